"""A fake OpenAI-compatible `/v1/embeddings` server speaking real HTTP, for the endpoint encoder.

Its vectors are hashed character bigrams of the input, so texts that share
characters are close and the bot can rank with them. `server.mode` picks a
failure: "ok", "http500", "wrong-count", "malformed", "slow" (sleeps `delay`).
Every request body is kept in `server.requests` with its headers.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

DIM = 64


def fake_vector(text: str) -> list[float]:
    """A deterministic vector from the text's character bigrams (prefixes included, as a real model sees them)."""
    row = np.zeros(DIM)
    padded = f"^{text.lower()}$"
    for a, b in zip(padded, padded[1:]):
        digest = hashlib.blake2b((a + b).encode(), digest_size=4).digest()
        row[int.from_bytes(digest, "little") % DIM] += 1.0
    return row.tolist()


@dataclass
class FakeEmbeddingsServer:
    mode: str = "ok"
    delay: float = 0.0
    requests: list[tuple[dict, dict]] = field(default_factory=list)

    def __enter__(self) -> FakeEmbeddingsServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append((dict(self.headers), body))
                if self.path != "/v1/embeddings":
                    return self._answer(404, {"error": {"message": "not found"}})
                if server.mode == "http500":
                    return self._answer(500, {"error": {"message": "model not loaded"}})
                if server.mode == "slow":
                    time.sleep(server.delay)
                inputs = body.get("input") or []
                data = [{"object": "embedding", "index": i, "embedding": fake_vector(t)} for i, t in enumerate(inputs)]
                if server.mode == "wrong-count":
                    data = data[:-1]
                if server.mode == "malformed":
                    return self._answer(200, {"data": "nope"})
                data.reverse()  # the index field, not the order, says which input a vector is for
                self._answer(200, {"object": "list", "model": body.get("model"), "data": data})

            def _answer(self, status, payload):
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def inputs(self) -> list[str]:
        return [text for _, body in self.requests for text in body.get("input", [])]
