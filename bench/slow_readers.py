"""Sockets that never read, against one daphne: memory stays bounded, other sockets keep their pace.

    .venv/bin/python bench/slow_readers.py [--db sqlite|postgres] [--seconds 60] [--slow 20] [--chatters 10]

Each slow socket has a 4 KiB receive buffer and reads nothing; it asks for a
full `history` page of long messages at the rate limit (10 a second) until
the server closes it, then reconnects and does it again, for the whole run.
Meanwhile chatting sockets each send a message every 200 ms and time every
ack from its scheduled send. Prints the server's RSS growth over the run and
the chatters' ack p50/p99.
"""

import argparse
import asyncio
import json
import socket
import sys
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat.loadtest.procstat import rss_kib  # noqa: E402
from chat.loadtest.stats import percentile  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.servers import Daphne, Database  # noqa: E402

LONG = "长" * 4000


async def login(http, server, openid):
    r = await http.post(f"{server.http}/api/auth/dev-login", json={"openid": openid, "device_id": "d", "platform": "web"})
    r.raise_for_status()
    return r.json()["token"]


async def slow_reader(server, token, stop, closes):
    """Connect, hello, ask for history at 10/s without reading; start again each time the server closes it."""
    while not stop.is_set():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        sock.setblocking(False)
        try:
            ws = await websockets.connect(f"{server.ws}/ws/chat/", sock=sock, max_queue=1, open_timeout=10,
                                          additional_headers={"Authorization": f"Bearer {token}"})
            await ws.send(json.dumps({"type": "hello", "device_id": "d", "platform": "web"}))
            while not stop.is_set():
                await ws.send(json.dumps({"type": "history", "before_seq": 0, "limit": 100}))
                await asyncio.sleep(0.1)
        except (websockets.ConnectionClosed, OSError, asyncio.TimeoutError):
            closes.append(time.monotonic())
            await asyncio.sleep(0.5)
        finally:
            sock.close()


async def chatter(server, token, stop, latencies):
    async with websockets.connect(f"{server.ws}/ws/chat/", additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send(json.dumps({"type": "hello", "device_id": "d", "platform": "web"}))
        while json.loads(await ws.recv())["type"] != "synced":
            pass
        n, next_at = 0, time.monotonic()
        while not stop.is_set():
            n += 1
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            await ws.send(json.dumps({"type": "message", "client_msg_id": f"c{n}", "text": f"hello {n}"}))
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == "ack" and frame["client_msg_id"] == f"c{n}":
                    latencies.append(time.monotonic() - next_at)
                    break
                if frame["type"] == "ping":
                    continue
            next_at += 0.2


async def run(args):
    database = Database(args.db, services.postgres_url() if args.db == "postgres" else None)
    server = Daphne(database, CSBOT_BOT_ENABLED=0)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            slow_tokens = [await login(http, server, f"slow-{i}") for i in range(args.slow)]
            chat_tokens = [await login(http, server, f"chat-{i}") for i in range(args.chatters)]
            for token in slow_tokens:  # a conversation whose history pages are as large as allowed
                for n in range(6):
                    r = await http.post(f"{server.http}/api/chat/messages", json={"client_msg_id": f"m{n}", "text": LONG},
                                        headers={"Authorization": f"Bearer {token}"})
                    r.raise_for_status()
        stop, latencies, closes = asyncio.Event(), [], []
        chatters = [asyncio.create_task(chatter(server, t, stop, latencies)) for t in chat_tokens]
        await asyncio.sleep(2)
        before = rss_kib(server.proc.pid)
        slow = [asyncio.create_task(slow_reader(server, t, stop, closes)) for t in slow_tokens]
        peak = before
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            await asyncio.sleep(1)
            peak = max(peak, rss_kib(server.proc.pid))
        after = rss_kib(server.proc.pid)
        warm = [x for x in latencies]  # every ack, slow sockets running throughout
        stop.set()
        await asyncio.wait_for(asyncio.gather(*slow, *chatters, return_exceptions=True), 30)
        print(f"slow sockets: {args.slow} for {args.seconds:.0f} s; server closed them {len(closes)} times")
        print(f"server RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after, peak {peak / 1024:.1f} MiB;"
              f" growth {(after - before) / 1024:.1f} MiB (peak {(peak - before) / 1024:.1f} MiB)")
        print(f"chatters: {args.chatters}, {len(warm)} acks: p50 {percentile(warm, 50) * 1000:.1f} ms,"
              f" p99 {percentile(warm, 99) * 1000:.1f} ms, max {max(warm) * 1000:.1f} ms")
    finally:
        server.kill()
        database.drop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--slow", type=int, default=20)
    parser.add_argument("--chatters", type=int, default=10)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
