"""What the shared rate limit costs each message: one script call to Redis per draw.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/rate_limits.py [--draws 5000] [--concurrency 50]

Draws on customer buckets (chat/limits.py) one after another (the latency a
lone message pays), then from --concurrency tasks at once (the rate one
process sustains), against Redis and against the in-process store. Prints
figures; asserts nothing. Runs for a few seconds.
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from chat import limits  # noqa: E402
from chat.loadtest.stats import percentile  # noqa: E402


async def sequential(draws):
    times = []
    for n in range(draws):
        started = time.perf_counter()
        await limits.take("bench", n % 500, rate=1000, burst=1000)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def concurrent(draws, concurrency):
    async def worker(k):
        for n in range(draws // concurrency):
            await limits.take("bench", (k * 7919 + n) % 500, rate=1000, burst=1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return draws / (time.perf_counter() - started)


async def measure(label, draws, concurrency):
    times = await sequential(draws)
    rate = await concurrent(draws, concurrency)
    print(f"{label:>10}: lone draw p50 {percentile(times, 50):.3f} ms, p99 {percentile(times, 99):.3f} ms; "
          f"{rate:,.0f} draws/s with {concurrency} concurrent tasks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    settings.CSBOT_CHANNEL_PREFIX = f"bench-{os.getpid()}"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    asyncio.run(measure("in-process", args.draws, args.concurrency))
    if settings.REDIS_URL:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "csbot.channel_layer.ChannelLayer"}}
        asyncio.run(measure("redis", args.draws, args.concurrency))
    else:
        print("REDIS_URL not set: Redis not measured")


if __name__ == "__main__":
    main()
