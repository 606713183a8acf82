"""What the content-safety check costs the message path: check off vs on, through the HTTP API.

    .venv/bin/python bench/content_check.py [--db sqlite|postgres] [--clients 16] [--requests 800] [--check-ms 50]

One daphne process, once with CSBOT_CONTENT_CHECK off and once on against the
local fake WeChat answering each msgSecCheck after --check-ms. --clients
clients post --requests messages in all, each sending its next when the
previous answer arrived. With the checks overlapping, the rate with the check
on stays near clients / (store + check latency) rather than 1 / check latency.
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
from bench.http_messages import post  # noqa: E402
from chat.loadtest.stats import percentile  # noqa: E402
from tests.fakes.wechat_server import FakeWeChat  # noqa: E402
from tests.support.servers import Daphne  # noqa: E402


async def run(args, wechat, check):
    database = database_from(args)
    server = Daphne(
        database, redis_url=args.redis or None, LOG_LEVEL="WARNING", CSBOT_BOT_ENABLED=0,
        CSBOT_CONTENT_CHECK=int(check), CSBOT_WX_APPID=wechat.appid, CSBOT_WX_SECRET=wechat.secret,
        CSBOT_WX_API_BASE=wechat.base_url, CSBOT_RATE_LIMIT_PER_S=10000,
    )
    url = f"{server.http}/api/chat/messages"
    try:
        tokens = await login_many(server, args.clients, "check")
        async with httpx.AsyncClient(timeout=30) as http:
            for n in range(10):
                await post(http, url, tokens[0], f"warm-{n}")
            per_client = args.requests // args.clients

            async def client(i):
                return [await post(http, url, tokens[i], f"c{i}-{n}") for n in range(per_client)]

            started = time.perf_counter()
            latencies = sorted(sum(await asyncio.gather(*(client(i) for i in range(args.clients))), []))
            elapsed = time.perf_counter() - started
        print(f"check {'on ' if check else 'off'}: {len(latencies) / elapsed:.0f} messages/s  "
              f"p50 {statistics.median(latencies):.1f} ms  p99 {percentile(latencies, 99):.1f} ms  "
              f"({len(latencies)} requests, {args.clients} clients, {args.db})")
    finally:
        server.kill()
        database.drop()


async def main():
    parser = argparse.ArgumentParser()
    server_arguments(parser, db="postgres")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--check-ms", type=float, default=50.0)
    args = parser.parse_args()
    wechat = FakeWeChat()
    wechat.check_delay = args.check_ms / 1000
    try:
        await run(args, wechat, check=False)
        await run(args, wechat, check=True)
        print(f"msgSecCheck answered after {args.check_ms:.0f} ms; at most {wechat.max_in_flight} checks in flight at once; "
              f"a check at a time would cap the rate at {1000 / args.check_ms:.0f} messages/s")
    finally:
        wechat.close()


if __name__ == "__main__":
    asyncio.run(main())
