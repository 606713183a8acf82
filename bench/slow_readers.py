"""Sockets that never read, against one daphne: memory stays bounded, other sockets keep their pace.

    .venv/bin/python bench/slow_readers.py [--variant harsh|pure] [--db sqlite|postgres]
                                           [--seconds 60] [--slow 20] [--chatters 10]

Each slow socket has a 4 KiB receive buffer and reads nothing; it asks for a
full `history` page of long messages at the rate limit (10 a second).

- `pure` (the issue's case): 20 sockets that never read, for the whole run.
  The server closes each once its outgoing budget is spent; a closed one
  stays closed.
- `harsh`: as `pure`, but a slow socket reconnects half a second after every
  close and starts again, for the whole run.

Meanwhile chatting sockets each send a message every 200 ms and time every
ack from its scheduled send. The slow sockets run in a process of their own,
so their client-side work does not delay the chatters' clock. Prints the
server's RSS growth over the run (after the run and at its peak) and the
chatters' ack p50/p99.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat.loadtest.procstat import cpu_seconds, rss_kib  # noqa: E402
from chat.loadtest.stats import percentile  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.servers import Daphne, Database  # noqa: E402

LONG = "长" * 4000


async def login(http, server, openid):
    r = await http.post(f"{server.http}/api/auth/dev-login", json={"openid": openid, "device_id": "d", "platform": "web"})
    r.raise_for_status()
    return r.json()["token"]


async def slow_reader(port, token, stop, closes, reconnect):
    """Connect, hello, ask for history at 10/s without reading; with `reconnect`, start again after each close."""
    while not stop.is_set():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
        try:
            ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/chat/", sock=sock, max_queue=1, open_timeout=10,
                                          additional_headers={"Authorization": f"Bearer {token}"})
            await ws.send(json.dumps({"type": "hello", "device_id": "d", "platform": "web"}))
            while not stop.is_set():
                await ws.send(json.dumps({"type": "history", "before_seq": 0, "limit": 100}))
                await asyncio.sleep(0.1)
        except (TimeoutError, websockets.ConnectionClosed, OSError):
            closes.append(time.monotonic())
            if not reconnect:
                await stop.wait()  # never read, never come back
            await asyncio.sleep(0.5)
        finally:
            sock.close()


async def slow_process(args):
    """The slow sockets' own process: run until stdin closes, then print how often the server closed them."""
    tokens = json.loads(sys.stdin.readline())
    stop, closes = asyncio.Event(), []
    tasks = [asyncio.create_task(slow_reader(args.port, t, stop, closes, args.variant == "harsh")) for t in tokens]
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
    print(json.dumps({"closes": len(closes)}), flush=True)


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
            next_at += 0.2


def server_log_summary(output):
    """Close codes the server logged."""
    codes = {}
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") in ("slow_close", "error") and "close_code" in record:
            codes[record["close_code"]] = codes.get(record["close_code"], 0) + 1
    return "server closes by code: " + (", ".join(f"{code}: {n}" for code, n in sorted(codes.items())) or "none")


def start_slow_process(args, port, tokens):
    proc = subprocess.Popen(
        [sys.executable, __file__, "--role", "slow", "--variant", args.variant, "--port", str(port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    proc.stdin.write(json.dumps(tokens) + "\n")
    proc.stdin.flush()
    return proc


async def run(args):
    database = Database(args.db, services.postgres_url() if args.db == "postgres" else None)
    server = Daphne(database, CSBOT_BOT_ENABLED=0, **dict(pair.split("=", 1) for pair in args.server_env))
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            slow_tokens = [await login(http, server, f"slow-{i}") for i in range(args.slow)]
            chat_tokens = [await login(http, server, f"chat-{i}") for i in range(args.chatters)]
            for token in slow_tokens:  # a conversation whose history pages are as large as allowed
                for n in range(args.messages):
                    r = await http.post(f"{server.http}/api/chat/messages", json={"client_msg_id": f"m{n}", "text": LONG},
                                        headers={"Authorization": f"Bearer {token}"})
                    r.raise_for_status()
        stop, latencies = asyncio.Event(), []
        chatters = [asyncio.create_task(chatter(server, t, stop, latencies)) for t in chat_tokens]
        await asyncio.sleep(2)
        quiet = len(latencies)
        before, cpu_before = rss_kib(server.proc.pid), cpu_seconds(server.proc.pid)
        slow = start_slow_process(args, server.port, slow_tokens)
        peak = before
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            await asyncio.sleep(1)
            peak = max(peak, rss_kib(server.proc.pid))
        after, cpu = rss_kib(server.proc.pid), cpu_seconds(server.proc.pid) - cpu_before
        loaded = latencies[quiet:]  # every ack sent while the slow sockets ran
        slow.stdin.write("stop\n")
        slow.stdin.flush()
        closes = json.loads(await asyncio.get_running_loop().run_in_executor(None, slow.stdout.readline))["closes"]
        slow.wait(30)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*chatters, return_exceptions=True), 30)
        print(f"variant {args.variant}: {args.slow} slow sockets for {args.seconds:.0f} s;"
              f" server closed them {closes} times; server CPU {cpu / args.seconds * 100:.0f}%")
        print(f"server RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after, peak {peak / 1024:.1f} MiB;"
              f" growth {(after - before) / 1024:.1f} MiB (peak {(peak - before) / 1024:.1f} MiB)")
        print(f"chatters: {args.chatters}, {len(loaded)} acks: p50 {percentile(loaded, 50) * 1000:.1f} ms,"
              f" p99 {percentile(loaded, 99) * 1000:.1f} ms, max {max(loaded) * 1000:.1f} ms")
        print(server_log_summary(server.output()))
    finally:
        server.kill()
        database.drop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=["harsh", "pure"], default="harsh")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--slow", type=int, default=20)
    parser.add_argument("--chatters", type=int, default=10)
    parser.add_argument("--messages", type=int, default=6, help="long messages in each slow socket's conversation")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the server, e.g. MALLOC_ARENA_MAX=2 (repeatable)")
    parser.add_argument("--role", choices=["main", "slow"], default="main", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    asyncio.run(slow_process(args) if args.role == "slow" else run(args))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
