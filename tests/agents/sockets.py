"""An agent console socket in process, signed in with a real Django session cookie."""

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client

from csbot.routing import websocket_routes
from tests.support.sockets import JsonSocket

APP = URLRouter(websocket_routes())


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


OPEN = []


class Console(JsonSocket):
    """The console's socket, signed in by a session cookie."""

    def __init__(self, cookie=None, origin="http://127.0.0.1:8000", language=None):
        headers = [(b"host", b"127.0.0.1:8000")]
        if language:
            headers.append((b"accept-language", language.encode()))
        if origin:
            headers.append((b"origin", origin.encode()))
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        self.comm = WebsocketCommunicator(APP, "/ws/agent/", headers=headers)

    async def open(self):
        OPEN.append(self)
        return await self.comm.connect()

    async def hello(self, **extra):
        """Send hello; return the welcome and every other frame that came before `synced`."""
        await self.send({"type": "hello", "status": "online", **extra})
        welcome, frames = None, []
        while True:
            frame = await self.recv()
            assert frame["type"] != "__closed__", f"closed during hello: {frame}"
            if frame["type"] == "synced" and welcome is not None:
                return welcome, frames
            if frame["type"] == "welcome" and welcome is None:
                welcome = frame
            else:
                frames.append(frame)

    async def command(self, command, conversation_id, **fields):
        ref = f"r-{command}"
        await self.send({"type": "command", "command": command, "conversation_id": str(conversation_id), "ref": ref, **fields})
        while True:
            frame = await self.recv()
            if frame.get("ref") == ref:
                return frame

    async def close(self):
        if self in OPEN:
            OPEN.remove(self)
            await self.comm.disconnect()


async def close_all():
    """Close the consoles a failed test left open, so their tasks do not outlive it."""
    while OPEN:
        try:
            await OPEN[-1].close()
        except Exception:
            OPEN.pop()
