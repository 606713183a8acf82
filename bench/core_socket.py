"""Benchmark the customer socket on one daphne process and print figures.

    .venv/bin/python bench/core_socket.py [--db sqlite|postgres] [--redis URL]

Figures:
  1. acknowledged, persisted messages per second (many sockets sending as fast
     as their acks come back);
  2. ack latency p50/p99 at 100 chatting sockets, each sending on a fixed
     schedule (one message per second), timed from the scheduled send so a
     stalled server cannot hide its own delay;
  3. server memory per idle socket at 1,000 sockets (RSS growth / sockets).
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat.loadtest.procstat import cpu_seconds, rss_kib  # noqa: E402
from chat.loadtest.stats import percentile  # noqa: E402
from tests.support.servers import Daphne, Database  # noqa: E402


async def login_many(server, n, prefix):
    async with httpx.AsyncClient(timeout=30) as http:
        async def one(i):
            r = await http.post(f"{server.http}/api/auth/dev-login",
                                json={"openid": f"{prefix}-{i}", "device_id": "d", "platform": "web"})
            if r.status_code != 200:
                raise RuntimeError(f"login failed: {r.status_code} {r.text[:200]}")
            return r.json()["token"]
        tokens = []
        for start in range(0, n, 50):
            tokens += await asyncio.gather(*(one(i) for i in range(start, min(n, start + 50))))
        return tokens


async def open_socket(server, token):
    ws = await websockets.connect(f"{server.ws}/ws/chat/?token={token}", max_queue=None, open_timeout=30)
    await ws.send(json.dumps({"type": "hello", "device_id": "d", "platform": "web"}))
    while json.loads(await ws.recv())["type"] != "synced":
        pass
    return ws


async def wait_ack(ws, client_msg_id):
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == "ack" and frame["client_msg_id"] == client_msg_id:
            return frame


async def drive(connections, seconds, make_frame, answered):
    """Send from every socket as soon as its previous frame is answered; return frames/s."""
    count = 0
    deadline = time.monotonic() + seconds

    async def run(i, ws):
        nonlocal count
        n = 0
        while time.monotonic() < deadline:
            await ws.send(make_frame(i, n))
            await answered(ws, i, n)
            n += 1
            count += 1

    started = time.monotonic()
    await asyncio.gather(*(run(i, ws) for i, ws in enumerate(connections)))
    return count / (time.monotonic() - started)


async def throughput(server, sockets=20, seconds=10.0):
    tokens = await login_many(server, sockets, "tput")
    conns = [await open_socket(server, t) for t in tokens]

    def frame(i, n):
        return json.dumps({"type": "message", "client_msg_id": f"t{i}-{n}", "text": "how do I get a refund?"})

    async def answered(ws, i, n):
        await wait_ack(ws, f"t{i}-{n}")

    cpu0, t0 = cpu_seconds(server.proc.pid), time.monotonic()
    rate = await drive(conns, seconds, frame, answered)
    cpu = (cpu_seconds(server.proc.pid) - cpu0) / (time.monotonic() - t0)
    for ws in conns:
        await ws.close()
    return rate, cpu


async def latency(server, sockets=100, seconds=20.0, interval=1.0):
    tokens = await login_many(server, sockets, "lat")
    conns = [await open_socket(server, t) for t in tokens]
    samples = []

    async def run(i, ws):
        start = time.monotonic() + (i / sockets) * interval
        n = 0
        while True:
            scheduled = start + n * interval
            if scheduled > start + seconds:
                return
            await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
            await ws.send(json.dumps({"type": "message", "client_msg_id": f"l{i}-{n}", "text": "where is my order?"}))
            await wait_ack(ws, f"l{i}-{n}")
            samples.append(time.monotonic() - scheduled)
            n += 1

    cpu0, t0 = cpu_seconds(server.proc.pid), time.monotonic()
    await asyncio.gather(*(run(i, ws) for i, ws in enumerate(conns)))
    cpu = (cpu_seconds(server.proc.pid) - cpu0) / (time.monotonic() - t0)
    for ws in conns:
        await ws.close()
    return percentile(samples, 50) * 1000, percentile(samples, 99) * 1000, len(samples), cpu


async def idle_memory(server, sockets=1000, heartbeat_s=None, rounds=3):
    """RSS growth per synced socket; with heartbeat_s, every socket pings on that period throughout.

    With heartbeats each socket starts pinging as soon as it has synced (a
    socket that stayed silent while the others opened would be closed with
    4408), and the reading is the peak RSS over `rounds` further periods once
    all are open. A socket whose pong does not come, or that the server
    closes, is counted as missed.
    """
    tokens = await login_many(server, sockets, "idle")
    await asyncio.sleep(1)
    before = rss_kib(server.proc.pid)
    stop = asyncio.Event()
    missed = 0
    keepers = []

    async def keepalive(ws):
        nonlocal missed
        await asyncio.sleep(random.uniform(0, heartbeat_s))  # spread the pings like real clients'
        while not stop.is_set():
            sent = time.monotonic()
            try:
                await ws.send(json.dumps({"type": "ping", "ts": int(time.time() * 1000)}))
                while json.loads(await asyncio.wait_for(ws.recv(), heartbeat_s))["type"] != "pong":
                    pass
            except (TimeoutError, websockets.ConnectionClosed):
                missed += 1
                return
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, heartbeat_s - (time.monotonic() - sent)))
            except TimeoutError:
                pass

    conns = []
    for start in range(0, sockets, 100):
        opened = await asyncio.gather(*(open_socket(server, t) for t in tokens[start:start + 100]))
        conns += opened
        if heartbeat_s:
            keepers += [asyncio.create_task(keepalive(ws)) for ws in opened]
    await asyncio.sleep(2)
    after = rss_kib(server.proc.pid)
    if heartbeat_s:
        deadline = time.monotonic() + rounds * heartbeat_s
        while time.monotonic() < deadline:
            after = max(after, rss_kib(server.proc.pid))
            await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*keepers)
    for ws in conns:
        await ws.close()
    return (after - before) / sockets, before, after, missed


def server_arguments(parser, *, db):
    """The options every benchmark here takes to start its server: database kind and URL, Redis."""
    parser.add_argument("--db", choices=["sqlite", "postgres"], default=db)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default="")


def database_from(args):
    """A fresh database of the kind `server_arguments` asked for."""
    return Database(args.db, args.pg if args.db == "postgres" else None)


async def main():
    parser = argparse.ArgumentParser()
    server_arguments(parser, db="sqlite")
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--idle-only", action="store_true", help="measure only the idle-socket memory")
    parser.add_argument("--heartbeat", type=int, default=0, metavar="S",
                        help="server heartbeat_s; idle sockets then ping every S seconds during the memory reading")
    args = parser.parse_args()
    database = database_from(args)
    settings = {"CSBOT_RATE_LIMIT_BURST": 1000, "CSBOT_RATE_LIMIT_PER_S": 1000, "CSBOT_HEARTBEAT_S": args.heartbeat or 600,
                "LOG_LEVEL": "WARNING"}
    server = Daphne(database, redis_url=args.redis or None, **settings)
    try:
        layer = "redis pub/sub" if args.redis else "in-memory"
        print(f"one daphne process, database {args.db}, channel layer {layer}")
        if not args.idle_only:
            rate, cpu = await throughput(server)
            print(f"acked+persisted messages/s (20 sockets, closed loop): {rate:.0f}  server CPU {cpu * 100:.0f}%")
            p50, p99, n, cpu = await latency(server)
            print(f"ack latency at 100 sockets x 1 msg/s: p50 {p50:.1f} ms  p99 {p99:.1f} ms  ({n} messages, server CPU {cpu * 100:.0f}%)")
        per_socket, before, after, missed = await idle_memory(server, args.idle, heartbeat_s=args.heartbeat or None)
        beats = f", pinging every {args.heartbeat} s, peak over 3 periods once all were open, {missed} sockets missed a pong" if args.heartbeat else ""
        print(f"memory per idle socket at {args.idle}: {per_socket:.1f} KiB (RSS {before / 1024:.0f} -> {after / 1024:.0f} MiB{beats})")
    finally:
        server.kill()
        database.drop()


if __name__ == "__main__":
    asyncio.run(main())
