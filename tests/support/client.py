"""A real WebSocket client for end-to-end tests, speaking the JSON contract."""

import asyncio
import json

import httpx
import websockets


def login(http_base, openid, device_id, platform="web", verify=True):
    response = httpx.post(
        f"{http_base}/api/auth/dev-login", json={"openid": openid, "device_id": device_id, "platform": platform},
        timeout=10, verify=verify,
    )
    response.raise_for_status()
    return response.json()["token"]


class ChatClient:
    """One device: log in, connect, hello, and keep every frame it receives."""

    def __init__(self, openid, device_id="dev-1"):
        self.openid = openid
        self.device_id = device_id
        self.token = None
        self.ws = None
        self.frames = []
        self.messages = {}  # seq -> frame, for the current conversation
        self.conversation_id = None
        self.last_seq = 0
        self.duplicates = 0

    async def connect(self, server, *, resume=True, timeout=10):
        """Connect to a server and sync; with resume, continue from the last seq seen."""
        # A TLS front (tests/support/proxy.py) carries the context that trusts its test CA.
        tls = getattr(server, "ssl_context", None)
        if self.token is None:
            self.token = await asyncio.to_thread(login, server.http, self.openid, self.device_id, "web", tls or True)
        self.ws = await websockets.connect(
            f"{server.ws}/ws/chat/", additional_headers={"Authorization": f"Bearer {self.token}"},
            subprotocols=["csbot.v1.json"], open_timeout=timeout, **({"ssl": tls} if tls else {}),
        )
        hello = {"type": "hello", "device_id": self.device_id, "platform": "web"}
        if resume and self.conversation_id is not None:
            hello["resume"] = {"conversation_id": self.conversation_id, "last_seq": self.last_seq}
        await self.send(hello)
        welcome = await self.expect("welcome", timeout=timeout)
        if self.conversation_id != welcome["conversation"]["id"] and not welcome["recovered"]:
            self.messages.clear()
        self.conversation_id = welcome["conversation"]["id"]
        await self.expect("synced", timeout=timeout)
        return welcome

    async def send(self, frame):
        await self.ws.send(json.dumps(frame))

    def _note(self, frame):
        self.frames.append(frame)
        if frame["type"] == "message" and frame["conversation_id"] == self.conversation_id:
            if frame["seq"] in self.messages:
                self.duplicates += 1
            self.messages[frame["seq"]] = frame
            self.last_seq = max(self.last_seq, frame["seq"])
        elif frame["type"] == "ack" and frame["conversation_id"] == self.conversation_id:
            self.last_seq = max(self.last_seq, frame["seq"])

    async def recv(self, timeout=10):
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        frame = json.loads(raw)
        self._note(frame)
        return frame

    async def expect(self, kind, timeout=10, **match):
        """Return the next frame of a type (and matching fields), keeping the others."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.recv(timeout=max(0.01, deadline - loop.time()))
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def say(self, client_msg_id, text, timeout=10):
        await self.send({"type": "message", "client_msg_id": client_msg_id, "text": text})
        return await self.expect("ack", timeout=timeout, client_msg_id=client_msg_id)

    async def drain(self, seconds=0.3):
        """Read whatever arrives within `seconds`."""
        try:
            while True:
                await self.recv(timeout=seconds)
        except (TimeoutError, websockets.ConnectionClosed):
            pass

    async def close_code(self, timeout=10):
        """Wait for the server to close the socket and return the code."""
        try:
            while True:
                await self.recv(timeout=timeout)
        except websockets.ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
