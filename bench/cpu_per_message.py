"""Server CPU per acknowledged customer message: a figure that a busy machine bends far less than a rate.

    .venv/bin/python bench/cpu_per_message.py [--count 6000] [--phases 3] [--sockets 50] [--src OTHER_CHECKOUT]

Needs TEST_DATABASE_URL and REDIS_URL. One daphne instance on a fresh
PostgreSQL database, the bot off and the rate limits out of the way;
`--sockets` sockets each send their next message when the previous one is
acknowledged, a fixed number of messages per phase. For each phase it reads
the server process's CPU time (user and system, every thread) before and
after, and prints the milliseconds per message; then the median, and the
server's CPU with the sockets open and nothing sent.

Messages per second fall when another program takes a core; CPU seconds per
message move much less, so two versions can be compared on a shared
machine: run it from each checkout (`--src` runs another checkout's server
and test support with this script), alternated, and compare the medians.
Loopback only; every phase is bounded by a timeout.
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

PHASE_TIMEOUT_S = 600
ACK_TIMEOUT_S = 30


def parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=6000, help="messages per phase, over all sockets")
    parser.add_argument("--phases", type=int, default=3)
    parser.add_argument("--sockets", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=1000, help="messages sent before measuring")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle CPU reading")
    parser.add_argument("--src", default="", help="the checkout whose server runs (default: this one)")
    return parser.parse_args()


ARGS = parse()
ROOT = Path(ARGS.src).resolve() if ARGS.src else Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.core_socket import login_many, open_socket, wait_ack  # noqa: E402
from chat.loadtest.procstat import cpu_seconds  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.servers import Daphne, Database  # noqa: E402


async def send_fixed(connections, per_socket, tag):
    """Each socket sends `per_socket` messages, one at a time, each after the last one's ack."""

    async def run(i, ws):
        for n in range(per_socket):
            client_msg_id = f"{tag}-{i}-{n}"
            await ws.send(json.dumps({"type": "message", "client_msg_id": client_msg_id, "text": "how do I get a refund?"}))
            await asyncio.wait_for(wait_ack(ws, client_msg_id), ACK_TIMEOUT_S)

    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(run(i, ws) for i, ws in enumerate(connections))), PHASE_TIMEOUT_S)
    return time.monotonic() - started


async def main():
    database = Database("postgres", services.postgres_url())
    server = Daphne(database, redis_url=services.redis_url(), CSBOT_BOT_ENABLED=0, CSBOT_HEARTBEAT_S=600,
                    CSBOT_RATE_LIMIT_BURST=100_000, CSBOT_RATE_LIMIT_PER_S=100_000, LOG_LEVEL="WARNING")
    try:
        tokens = await login_many(server, ARGS.sockets, "cpu")
        connections = [await open_socket(server, token) for token in tokens]
        await send_fixed(connections, max(1, ARGS.warmup // ARGS.sockets), "warm")
        before = cpu_seconds(server.proc.pid)
        await asyncio.sleep(ARGS.idle)
        idle = (cpu_seconds(server.proc.pid) - before) / ARGS.idle
        per_socket = max(1, ARGS.count // ARGS.sockets)
        figures = []
        for phase in range(ARGS.phases):
            before = cpu_seconds(server.proc.pid)
            wall = await send_fixed(connections, per_socket, f"p{phase}")
            used = cpu_seconds(server.proc.pid) - before
            sent = per_socket * ARGS.sockets
            figures.append(used * 1000 / sent)
            print(f"phase {phase}: {sent} messages, {figures[-1]:.3f} ms CPU per message, {sent / wall:.0f} acked/s")
        print(f"{ROOT.name}: median {statistics.median(figures):.3f} ms CPU per acknowledged message "
              f"over {ARGS.phases} phases; idle with {ARGS.sockets} sockets open: {100 * idle:.2f}% of a core")
        for ws in connections:
            await ws.close()
    finally:
        server.kill()
        database.drop()


if __name__ == "__main__":
    asyncio.run(main())
