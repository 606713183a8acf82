"""Helpers for in-process socket tests."""

import json

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from chat.accounts import issue_token, sign_in
from csbot.routing import websocket_routes

APP = URLRouter(websocket_routes())


def make_customer(openid="o-test", device_id="dev-1"):
    """Sign a customer in through the real action; return (customer, token)."""
    return sign_in(openid=openid, device_id=device_id, platform="web")


class Socket:
    """A WebsocketCommunicator speaking JSON frames."""

    def __init__(self, token=None, device_id="dev-1", subprotocols=("csbot.v1.json",), query=False):
        headers = [] if token is None or query else [(b"authorization", f"Bearer {token}".encode())]
        path = f"/ws/chat/?token={token}" if query and token else "/ws/chat/"
        self.device_id = device_id
        self.comm = WebsocketCommunicator(APP, path, headers=headers, subprotocols=list(subprotocols))

    async def open(self):
        connected, subprotocol = await self.comm.connect()
        assert connected
        return subprotocol

    async def send(self, frame):
        await self.comm.send_to(text_data=json.dumps(frame))

    async def recv(self, timeout=3):
        output = await self.comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            return {"type": "__closed__", "code": output.get("code")}
        if output.get("text") is not None:
            return json.loads(output["text"])
        return {"type": "__bytes__", "bytes": output["bytes"]}

    async def expect(self, kind, timeout=3):
        while True:
            frame = await self.recv(timeout)
            if frame["type"] == kind:
                return frame
            assert frame["type"] != "__closed__", f"closed while waiting for {kind}: {frame}"

    async def hello(self, **extra):
        await self.send({"type": "hello", "device_id": self.device_id, "platform": "web", **extra})
        welcome = await self.recv()
        assert welcome["type"] == "welcome", welcome
        frames = []
        while True:
            frame = await self.recv()
            if frame["type"] == "synced":
                return welcome, frames, frame
            frames.append(frame)

    async def nothing(self, timeout=0.3):
        assert await self.comm.receive_nothing(timeout), "expected no frame"

    async def close(self):
        await self.comm.disconnect()


def token_for(customer, device_id="dev-1"):
    return issue_token(customer=customer, device_id=device_id)
