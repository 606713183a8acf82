"""Persisted, acknowledged messages per second against a bare echo consumer, side by side.

    .venv/bin/python bench/echo_ratio.py [--db sqlite|postgres] [--redis URL] [--rounds 3] [--sockets 100]

Both servers are single daphne processes on this machine; the same client
(--sockets sockets, each sending its next frame when the previous answer
arrives) drives them in turn, round after round, and the ratio is taken per
round. The default of 100 sockets keeps both servers busy: with 20, csbot
waits on its database round trips with a fifth of a core idle, while the
echo, which has none, runs flat out either way; `--sockets 20` gives that
latency-bound figure.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.core_socket import database_from, drive, login_many, open_socket, server_arguments, wait_ack  # noqa: E402
from chat.loadtest.procstat import cpu_seconds  # noqa: E402
from tests.support.servers import Daphne, free_port, wait_for_port  # noqa: E402


async def echo_rate(port, sockets, seconds):
    connections = [await websockets.connect(f"ws://127.0.0.1:{port}/ws/echo/") for _ in range(sockets)]

    async def answered(ws, i, n):
        await ws.recv()

    rate = await drive(connections, seconds, lambda i, n: json.dumps({"type": "message", "text": "how do I get a refund?", "n": n}), answered)
    for ws in connections:
        await ws.close()
    return rate


async def csbot_rate(server, tokens, round_no, seconds):
    connections = [await open_socket(server, t) for t in tokens]

    def frame(i, n):
        return json.dumps({"type": "message", "client_msg_id": f"r{round_no}-{i}-{n}", "text": "how do I get a refund?"})

    async def answered(ws, i, n):
        await wait_ack(ws, f"r{round_no}-{i}-{n}")

    rate = await drive(connections, seconds, frame, answered)
    for ws in connections:
        await ws.close()
    return rate


async def main():
    parser = argparse.ArgumentParser()
    server_arguments(parser, db="postgres")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--sockets", type=int, default=100)
    args = parser.parse_args()
    database = database_from(args)
    quiet = {"CSBOT_RATE_LIMIT_BURST": 100000, "CSBOT_RATE_LIMIT_PER_S": 100000, "CSBOT_HEARTBEAT_S": 600,
             "LOG_LEVEL": "WARNING", "CSBOT_BOT_ENABLED": 0}
    server = Daphne(database, redis_url=args.redis or None, **quiet)
    echo_port = free_port()
    echo = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(echo_port), "bench.echo_asgi:application"],
                            cwd=ROOT, env=database.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(echo_port, proc=echo)
        tokens = await login_many(server, args.sockets, "ratio")
        rows = []
        for round_no in range(args.rounds):
            echo_cpu0 = cpu_seconds(echo.pid)
            e = await echo_rate(echo_port, args.sockets, args.seconds)
            echo_cpu = (cpu_seconds(echo.pid) - echo_cpu0) / args.seconds
            cpu0 = cpu_seconds(server.proc.pid)
            c = await csbot_rate(server, tokens, round_no, args.seconds)
            cpu = (cpu_seconds(server.proc.pid) - cpu0) / args.seconds
            rows.append((e, c, c / e))
            print(f"round {round_no + 1}: echo {e:.0f}/s (CPU {echo_cpu * 100:.0f}%)  csbot acked+persisted {c:.0f}/s (CPU {cpu * 100:.0f}%)  ratio {c / e:.2f}")
        layer = "redis pub/sub" if args.redis else "in-memory"
        print(f"median over {args.rounds} rounds ({args.db}, {layer} layer, {args.sockets} sockets closed loop): "
              f"echo {statistics.median(r[0] for r in rows):.0f}/s, csbot {statistics.median(r[1] for r in rows):.0f}/s, "
              f"ratio {statistics.median(r[2] for r in rows):.2f}")
    finally:
        echo.kill()
        server.kill()
        database.drop()


if __name__ == "__main__":
    asyncio.run(main())
