"""The part every in-process socket test speaks: JSON frames over a WebsocketCommunicator."""

import json


class JsonSocket:
    """Send and read JSON frames; a close reads as a `__closed__` frame, binary data as `__bytes__`.

    Subclasses set `self.comm` to their WebsocketCommunicator.
    """

    comm = None

    async def send(self, frame):
        await self.comm.send_to(text_data=json.dumps(frame))

    async def recv(self, timeout=3):
        output = await self.comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            return {"type": "__closed__", "code": output.get("code")}
        if output.get("text") is not None:
            return json.loads(output["text"])
        return {"type": "__bytes__", "bytes": output["bytes"]}

    async def expect(self, kind, timeout=3, **match):
        """Read until a frame of this type (with these field values) arrives; a close fails the test."""
        while True:
            frame = await self.recv(timeout)
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame
            assert frame["type"] != "__closed__", f"closed while waiting for {kind}: {frame}"

    async def nothing(self, timeout=0.3):
        assert await self.comm.receive_nothing(timeout), "expected no frame"
