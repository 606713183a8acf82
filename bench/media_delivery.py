"""How soon a customer's picture shows on an agent console connected to another instance.

Usage: python bench/media_delivery.py [--pictures 20]

Starts two daphne instances sharing PostgreSQL (TEST_DATABASE_URL or a local
one) and Redis (REDIS_URL or a local one), signs an agent in on instance B
with the console open on the customer's conversation, and has the customer
upload pictures to instance A and send each in a message there. For each
picture it times, on one clock: the upload (request to answer), then from the
upload's answer to the console's `message` frame carrying the picture, and
the whole from the start of the upload. Not a test: it prints figures.
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import pictures, services  # noqa: E402
from tests.support.client import ChatClient  # noqa: E402
from tests.support.console_client import ConsoleClient  # noqa: E402
from tests.support.servers import Daphne, Database, create_console_agent  # noqa: E402


def summary(name, values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    print(f"{name:38} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   max {values[-1]:7.1f} ms")


async def run(count):
    database = Database("postgres", services.postgres_url())
    redis_url = services.redis_url()
    a = Daphne(database, redis_url=redis_url, name="a")
    b = Daphne(database, redis_url=redis_url, name="b")
    try:
        await asyncio.to_thread(create_console_agent, database)
        customer = ChatClient("bench-pictures", device_id="phone")
        await customer.connect(a)
        await customer.say("t-0", "my parcel arrived damaged")
        console = ConsoleClient(b)
        await console.sign_in()
        await console.connect()
        await console.send({"type": "open", "conversation_id": customer.conversation_id})
        await console.expect("transcript")
        photo = pictures.photo((1280, 960))
        uploads, deliveries, totals = [], [], []
        async with httpx.AsyncClient(timeout=30) as http:
            for n in range(count):
                started = time.perf_counter()
                answer = await http.post(f"{a.http}/api/chat/media", files={"file": ("p.jpg", photo, "image/jpeg")},
                                         headers={"Authorization": f"Bearer {customer.token}"})
                answer.raise_for_status()
                uploaded = time.perf_counter()
                await customer.send({"type": "message", "client_msg_id": f"p-{n}", "media_id": answer.json()["media_id"]})
                await console.expect("message", client_msg_id=f"p-{n}")
                seen = time.perf_counter()
                uploads.append((uploaded - started) * 1000)
                deliveries.append((seen - uploaded) * 1000)
                totals.append((seen - started) * 1000)
                await customer.drain(0.05)
        print(f"{count} pictures of {len(photo) / 1024:.0f} KiB (1280x960 JPEG), customer on A, console on B")
        summary("upload (request to answer)", uploads)
        summary("upload answer -> visible on B", deliveries)
        summary("upload start -> visible on B", totals)
        await customer.close()
        await console.close()
    finally:
        a.kill()
        b.kill()
        database.drop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pictures", type=int, default=20)
    asyncio.run(run(parser.parse_args().pictures))


if __name__ == "__main__":
    main()
