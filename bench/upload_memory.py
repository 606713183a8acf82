"""Measure a daphne's resident memory while it refuses oversized uploads, and while it takes a real picture.

Usage: python bench/upload_memory.py [--mib 12] [--rounds 3]

Starts one daphne on a throwaway SQLite database, signs a customer in, and
posts multipart bodies to /api/chat/media: a body over the limit with a
Content-Length, the same body chunked (no length), and a real JPEG under the
limit for comparison. A thread reads the process's VmRSS from /proc every
10 ms; the figures printed are its growth over the value before each upload.
Not a test: it prints figures.
"""

import argparse
import io
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chat.loadtest.procstat import rss_kib  # noqa: E402
from tests.support import pictures  # noqa: E402
from tests.support.client import login  # noqa: E402
from tests.support.servers import Daphne, Database  # noqa: E402


class Peak:
    """The highest VmRSS of a process while the block runs."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()

    def __enter__(self):
        self.before = rss_kib(self.pid)
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_kib(self.pid))

    def __exit__(self, *exc):
        time.sleep(0.05)
        self._stop.set()
        self._thread.join()


def big_jpeg(target_mib):
    """A noisy JPEG just under the limit: compressible pictures would be far smaller than their pixels."""
    from PIL import Image
    import os
    side = 2600
    while True:
        image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=95)
        if out.tell() <= target_mib * 1024 * 1024 or side < 500:
            return out.getvalue()
        side -= 200


def chunked(body):
    for start in range(0, len(body), 256 * 1024):
        yield body[start:start + 256 * 1024]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=float, default=12, help="size of the oversized body")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    database = Database("sqlite")
    server = Daphne(database, name="bench")
    try:
        token = login(server.http, "bench-upload", "dev-1")
        headers = {"Authorization": f"Bearer {token}"}
        oversized, content_type = pictures.multipart(b"\xff\xd8\xff" + b"\x00" * int(args.mib * 1024 * 1024))
        picture, picture_type = pictures.multipart(big_jpeg(9.5))
        cases = [
            ("over the limit, Content-Length", lambda: oversized, content_type),
            ("over the limit, chunked", lambda: chunked(oversized), content_type),
            ("real JPEG under the limit", lambda: picture, picture_type),
        ]
        print(f"daphne pid {server.proc.pid}; RSS at start {rss_kib(server.proc.pid) / 1024:.1f} MiB")
        print(f"{'case':34} {'body MiB':>9} {'status':>6} {'ms':>7} {'RSS growth MiB (max of rounds)':>32}")
        for name, body, kind in cases:
            growth, statuses, times = [], set(), []
            size = len(oversized) if "limit," in name else len(picture)
            for _ in range(args.rounds):
                with Peak(server.proc.pid) as peak:
                    started = time.perf_counter()
                    response = httpx.post(f"{server.http}/api/chat/media", content=body(), timeout=120,
                                          headers={**headers, "Content-Type": kind})
                    times.append((time.perf_counter() - started) * 1000)
                statuses.add(response.status_code)
                growth.append((peak.peak - peak.before) / 1024)
            print(f"{name:34} {size / 1048576:9.1f} {'/'.join(map(str, sorted(statuses))):>6} "
                  f"{sorted(times)[len(times) // 2]:7.0f} {max(growth):32.1f}  rounds: {' '.join(f'{g:.1f}' for g in growth)}")
        print(f"RSS at the end {rss_kib(server.proc.pid) / 1024:.1f} MiB")
    finally:
        server.kill()
        database.drop()


if __name__ == "__main__":
    main()
