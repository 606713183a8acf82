"""A fake OpenAI-compatible chat completions server speaking real HTTP and SSE.

Start it in a background thread, point the client at `server.base_url`, and
choose the behaviour by model name (or the `X-Fake-Mode` header):

- `normal`: stream `server.tokens`, then `[DONE]`.
- `slow`: the same, sleeping `server.delay` seconds (or `X-Fake-Delay`) per token.
- `drop`: send `server.fail_after` tokens, then close the connection mid-body.
- `error-event`: send `server.fail_after` tokens, then an `event: error`.
- `error-data`: send `server.fail_after` tokens, then `data: {"error": ...}`.
- `timeout`: accept the request and never answer.
- `http500`: answer 500 with a JSON error.
- `tricky`: CRLF lines, comments, multi-line data and a chunking that splits
  lines, CRLF pairs and UTF-8 characters.
- `garbage`: an event whose data is not JSON.
- `no-done`: end the body cleanly without `[DONE]` or a finish reason.
- `json`: ignore `stream` and answer one JSON completion.
- `obey`: a model that follows a prompt injection: it streams "Sure! " and then
  its own system prompt, in pieces of a few characters.

Every request is recorded in `server.requests`; a client that goes away
mid-stream is recorded in `server.disconnects`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

MODES = (
    "normal", "slow", "drop", "error-event", "error-data", "timeout", "http500",
    "tricky", "garbage", "no-done", "json", "obey",
)


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    mode: str


@dataclass
class FakeLLMServer:
    """A threaded asyncio HTTP server imitating a streaming chat completions API."""

    tokens: list[str] = field(default_factory=lambda: ["您好", "，", "退款", "会在", "1-3", "个工作日", "到账", "。"])
    delay: float = 0.05
    fail_after: int = 2
    requests: list[RecordedRequest] = field(default_factory=list)
    disconnects: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._writers: set[asyncio.StreamWriter] = set()

    # -- lifecycle ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Return the base URL to configure, with the `/v1` prefix."""
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> FakeLLMServer:
        """Start serving on an ephemeral port in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="fake-llm", daemon=True)
        self._thread.start()
        if not self._started.wait(5):
            raise RuntimeError("fake LLM server did not start")
        return self

    def stop(self) -> None:
        """Stop the server and its thread."""
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._shutdown)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for_disconnects(self, count: int = 1, timeout: float = 3.0) -> bool:
        """Block until `count` clients went away mid-stream."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.disconnects) >= count:
                return True
            time.sleep(0.01)
        return False

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, self.host, self.port)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._started.set()
        self._loop.run_forever()
        self._loop.close()

    def _shutdown(self) -> None:
        assert self._server is not None and self._loop is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.call_later(0.05, self._loop.stop)

    # -- HTTP ----------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._serve_one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; return whether the connection stays open."""
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        model = str((body or {}).get("model", ""))
        mode = headers.get("x-fake-mode") or next((m for m in MODES if model == m or model.endswith("-" + m)), "normal")
        self.requests.append(RecordedRequest(method, path, headers, body, mode))
        delay = float(headers.get("x-fake-delay", self.delay))

        if method != "POST" or not path.endswith("/chat/completions"):
            await self._plain(writer, 404, {"error": {"message": "not found"}})
            return True
        if mode == "timeout":
            await asyncio.sleep(3600)
            return False
        if mode == "http500":
            await self._plain(writer, 500, {"error": {"message": "internal error", "type": "server_error"}})
            return True
        if mode == "json":
            text = "".join(self.tokens)
            await self._plain(writer, 200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
            return True
        tokens = self.tokens
        if mode == "obey":
            system = next((m.get("content", "") for m in (body or {}).get("messages", []) if m.get("role") == "system"), "")
            text = "Sure! " + system
            tokens = [text[i : i + 5] for i in range(0, len(text), 5)]
        await self._stream(reader, writer, mode, delay, model, tokens)
        return False  # streamed responses close the connection when done

    async def _plain(self, writer: asyncio.StreamWriter, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode() + data
        )
        await writer.drain()

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, mode: str, delay: float, model: str,
                      tokens: list[str]) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        watcher = asyncio.ensure_future(reader.read(1))  # EOF here means the client left

        async def send(data: bytes) -> None:
            if watcher.done():
                raise ConnectionResetError("client went away")
            writer.write(b"%x\r\n%s\r\n" % (len(data), data))
            await writer.drain()

        try:
            if mode == "tricky":
                await self._tricky(send)
            elif mode == "garbage":
                await send(b"data: {not json\n\n")
            else:
                await self._tokens(send, mode, delay, model, tokens)
            if mode == "drop":
                writer.transport.abort()  # no terminating chunk: the body is truncated
                return
            await send(b"")  # the zero-length chunk ends the body
        except ConnectionError:
            self.disconnects.append(mode)
        finally:
            watcher.cancel()

    async def _tokens(self, send, mode: str, delay: float, model: str, tokens: list[str]) -> None:
        limit = self.fail_after if mode in ("drop", "error-event", "error-data") else len(tokens)
        for i, token in enumerate(tokens[:limit]):
            chunk = {"id": "fake-1", "object": "chat.completion.chunk", "model": model,
                     "choices": [{"index": 0, "delta": {"content": token}, "finish_reason": None}]}
            if i == 0:
                chunk["choices"][0]["delta"]["role"] = "assistant"
            await send(b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n")
            if mode == "slow":
                await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)
        if mode == "error-event":
            await send(b'event: error\ndata: {"message": "upstream overloaded"}\n\n')
        elif mode == "error-data":
            await send(b'data: {"error": {"message": "upstream overloaded", "type": "server_error"}}\n\n')
        elif mode == "no-done":
            return
        elif mode != "drop":
            final = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            await send(b"data: " + json.dumps(final).encode() + b"\n\n")
            await send(b"data: [DONE]\n\n")

    async def _tricky(self, send) -> None:
        parts = []
        for token in self.tokens:
            content = json.dumps({"choices": [{"index": 0, "delta": {"content": token}}]}, ensure_ascii=False)
            parts.append(": keep-alive\r\n")
            # Split the JSON over two data lines: the parser must join them with "\n".
            half = content.index("[")
            parts.append(f"data: {content[:half]}\r\ndata:{content[half:]}\r\n\r\n")
        parts.append('data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\r\n\r\n')
        parts.append("data: [DONE]\r\n\r\n")
        raw = "".join(parts).encode()
        # Odd piece sizes cut through CRLF pairs and multi-byte characters.
        sizes = [1, 2, 3, 5, 7, 11]
        pos = i = 0
        while pos < len(raw):
            size = sizes[i % len(sizes)]
            await send(raw[pos : pos + size])
            await asyncio.sleep(0.001)
            pos += size
            i += 1
