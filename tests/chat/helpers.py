"""Helpers for in-process socket tests."""

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from chat.accounts import issue_token, sign_in
from csbot.routing import websocket_routes
from tests.support.sockets import JsonSocket

APP = URLRouter(websocket_routes())


def make_customer(openid="o-test", device_id="dev-1"):
    """Sign a customer in through the real action; return (customer, token)."""
    return sign_in(openid=openid, device_id=device_id, platform="web")


class Socket(JsonSocket):
    """The customer socket, signed in by a token."""

    def __init__(self, token=None, device_id="dev-1", subprotocols=("csbot.v1.json",), query=False):
        headers = [] if token is None or query else [(b"authorization", f"Bearer {token}".encode())]
        path = f"/ws/chat/?token={token}" if query and token else "/ws/chat/"
        self.device_id = device_id
        self.comm = WebsocketCommunicator(APP, path, headers=headers, subprotocols=list(subprotocols))

    async def open(self):
        connected, subprotocol = await self.comm.connect()
        assert connected
        return subprotocol

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

    async def close(self):
        await self.comm.disconnect()


def token_for(customer, device_id="dev-1"):
    return issue_token(customer=customer, device_id=device_id)
