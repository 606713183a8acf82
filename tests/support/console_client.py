"""A signed-in agent console for end-to-end tests: the admin login over HTTP, then the agent socket."""

import asyncio
import json
import re

import httpx
import websockets

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class ConsoleClient:
    """One agent's console on one instance, signed in as `create_console_agent`'s agent."""

    def __init__(self, server, username="alice", password="console-pass-1"):
        self.server, self.username, self.password = server, username, password
        self.http = httpx.AsyncClient(base_url=server.http, timeout=20)
        self.ws = None
        self.frames = []

    async def sign_in(self):
        page = await self.http.get("/admin/login/")
        token = CSRF_INPUT.search(page.text).group(1)
        answer = await self.http.post("/admin/login/?next=/admin/", data={
            "csrfmiddlewaretoken": token, "username": self.username, "password": self.password, "next": "/admin/",
        }, headers={"Referer": f"{self.server.http}/admin/login/"})
        assert answer.status_code == 302, answer.text[:500]

    async def connect(self):
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        self.ws = await websockets.connect(
            f"{self.server.ws}/ws/agent/", additional_headers={"Cookie": cookie, "Origin": self.server.http},
            open_timeout=10,
        )
        await self.send({"type": "hello", "status": "online", "conversations": {}})
        await self.expect("synced")

    async def send(self, frame):
        await self.ws.send(json.dumps(frame))

    async def expect(self, kind, timeout=10, **match):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), max(0.01, deadline - loop.time()))
            frame = json.loads(raw)
            self.frames.append(frame)
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def upload(self, data, filename="reply.png", content_type="image/png"):
        """Upload a picture from the console page's form; return the answer."""
        page = await self.http.get("/admin/console/")
        token = CSRF_INPUT.search(page.text).group(1)
        answer = await self.http.post(
            "/admin/console/media", files={"file": (filename, data, content_type)},
            headers={"X-CSRFToken": token, "Referer": f"{self.server.http}/admin/console/"},
        )
        return answer

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        await self.http.aclose()
