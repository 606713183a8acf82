"""Messages stored through the customer HTTP API (`POST /api/chat/messages`): latency and rate.

    .venv/bin/python bench/http_messages.py [--db sqlite|postgres] [--redis URL] [--clients 8] [--requests 1200]

One daphne process on this machine. First one client posts 300 messages one
after another (latency of a lone request), then --clients clients post
--requests messages in all, each sending its next when the previous answer
arrived (the rate one process sustains). The long-poll fallback and any
integration that posts for a customer take this path.
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.core_socket import database_from, login_many, server_arguments  # noqa: E402
from chat.loadtest.procstat import cpu_seconds  # noqa: E402
from chat.loadtest.stats import percentile  # noqa: E402
from tests.support.servers import Daphne  # noqa: E402


async def post(http, url, token, client_msg_id):
    started = time.perf_counter()
    response = await http.post(url, headers={"Authorization": f"Bearer {token}"},
                               json={"client_msg_id": client_msg_id, "text": "how do I get a refund?"})
    if response.status_code != 200:
        raise RuntimeError(f"post failed: {response.status_code} {response.text[:200]}")
    return (time.perf_counter() - started) * 1000


async def main():
    parser = argparse.ArgumentParser()
    server_arguments(parser, db="postgres")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1200)
    args = parser.parse_args()
    database = database_from(args)
    server = Daphne(database, redis_url=args.redis or None, LOG_LEVEL="WARNING", CSBOT_BOT_ENABLED=0,
                    # One customer posts 300 in a row, and every simulated customer posts from loopback.
                    CSBOT_RATE_LIMIT_PER_S=100000, CSBOT_RATE_LIMIT_BURST=100000, CSBOT_IP_RATE_LIMIT_PER_S=0)
    url = f"{server.http}/api/chat/messages"
    try:
        tokens = await login_many(server, args.clients, "http")
        async with httpx.AsyncClient(timeout=30) as http:
            for n in range(20):  # warm up: connections, the pool, the statement cache
                await post(http, url, tokens[0], f"warm-{n}")
            lone = sorted([await post(http, url, tokens[0], f"lone-{n}") for n in range(300)])
            print(f"one client, one request at a time: p50 {statistics.median(lone):.1f} ms  "
                  f"p99 {percentile(lone, 99):.1f} ms  (300 requests)")
            per_client = args.requests // args.clients

            async def client(i):
                return [await post(http, url, tokens[i], f"c{i}-{n}") for n in range(per_client)]

            cpu0, started = cpu_seconds(server.proc.pid), time.perf_counter()
            latencies = sorted(sum(await asyncio.gather(*(client(i) for i in range(args.clients))), []))
            elapsed = time.perf_counter() - started
            cpu = (cpu_seconds(server.proc.pid) - cpu0) / elapsed
        print(f"{args.clients} clients: {len(latencies) / elapsed:.0f} messages/s  p50 {statistics.median(latencies):.1f} ms  "
              f"p99 {percentile(latencies, 99):.1f} ms  server CPU {cpu * 100:.0f}%  ({len(latencies)} requests, {args.db})")
    finally:
        server.kill()
        database.drop()


if __name__ == "__main__":
    asyncio.run(main())
