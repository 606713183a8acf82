"""Measure the streamed exports on 100,000 conversations: peak memory and time.

Usage: python bench/export_memory.py [--conversations N] [--database-url URL]

Builds a throwaway SQLite database (or uses the PostgreSQL URL given, which
must point at an empty scratch database), fills it with bulk_create, then
runs the CSV and JSON exports to /dev/null. Not a test.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fill(count, batch=5000):
    """Create `count` closed, rated conversations of four messages each, quickly."""
    from django.utils import timezone

    from chat.models import Conversation, Customer, Message

    now = timezone.now()
    customers = Customer.objects.bulk_create([Customer(openid=f"bench-{i}") for i in range(count)], batch_size=batch)
    for start in range(0, count, batch):
        chunk = customers[start : start + batch]
        conversations = Conversation.objects.bulk_create([
            Conversation(customer=c, status="closed", last_seq=4, closed_at=now, rating=1 + i % 5,
                         first_customer_message_at=now, first_agent_reply_at=now + timedelta(seconds=30), agent_name="Alice")
            for i, c in enumerate(chunk)
        ])
        Message.objects.bulk_create([
            Message(conversation=conv, seq=seq, sender=sender, text=f"{sender} line {seq} of conversation {conv.pk}")
            for conv in conversations
            for seq, sender in enumerate(["customer", "bot", "customer", "agent"], start=1)
        ])


def measure(name, pieces):
    tracemalloc.start()
    started = time.perf_counter()
    size = 0
    with open(os.devnull, "w") as sink:
        for piece in pieces:
            size += len(piece)
            sink.write(piece)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name:5} {size / 1e6:8.1f} MB out  {elapsed:6.1f} s  peak Python heap {peak / 1e6:6.1f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="csbot-bench-")
    setup(args.database_url or f"sqlite:///{scratch}/bench.sqlite3")

    from agents.exports import _buffered, csv_rows, json_transcripts
    from chat.models import Conversation

    started = time.perf_counter()
    fill(args.conversations)
    print(f"filled {args.conversations} conversations in {time.perf_counter() - started:.1f} s")
    queryset = Conversation.objects.all()
    measure("csv", _buffered(csv_rows(queryset)))
    measure("json", _buffered(json_transcripts(queryset)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole process (filling included): {rss:.0f} MB")


if __name__ == "__main__":
    main()
