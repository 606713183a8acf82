"""The bookkeeping a knowledge-base answer costs, turn by turn against in batches, without the encoder.

    DATABASE_URL=postgres://... .venv/bin/python bench/bot_turn_cost.py [TURNS] [ROUNDS]

Stores one question for each of TURNS customers, then answers them the way
the runner did turn by turn (claim, read the context, store the answer and
finish the turn: three trips to a database thread per turn, plus the claim)
and the way it does now in batches of CSBOT_BOT_BATCH (one trip to claim and
read, one transaction to store), and as the process that stored the
questions answers them (`direct`: no claim, one transaction per batch that
checks each turn is still pending and stores). The decision and the encoder are left out:
they cost the same either way. Prints, per answered turn, the SQL statements,
the wall time and the CPU time of the calling thread; medians of ROUNDS
alternated rounds. Uses the database in DATABASE_URL (a benchmark's own: it
adds customers and conversations).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402

from chat import actions, realtime  # noqa: E402
from chat.accounts import sign_in  # noqa: E402
from chat.actions import Incoming, TurnResult  # noqa: E402
from chat.actions.bot import PendingTurn  # noqa: E402
from chat.bot import turns  # noqa: E402
from chat.models import BotTurn  # noqa: E402

REPLY = "您好，订单一般在付款后 48 小时内发货。"


def questions(count):
    run = uuid.uuid4().hex[:8]
    customers = [sign_in(openid=f"cost-{run}-{n}", device_id="d", platform="web")[0] for n in range(count)]
    actions.record_customer_messages(items=[
        Incoming(customer_id=c.pk, client_msg_id=f"q-{run}-{n}", text=f"订单 {100000 + n} 什么时候发货")
        for n, c in enumerate(customers)
    ])


def turn_by_turn(worker):
    """The earlier runner: a claim of up to 32, then per turn its context and its completion."""
    answered = 0
    while claimed := turns.claim_turns(worker=worker, limit=32, lease_s=30):
        for turn in claimed:
            turns.load_context(turn)
            actions.complete_bot_turn(turn=turn, worker=worker, attempt=turn.attempt, outcome="answer",
                                      replies=[REPLY], article="a1")
            answered += 1
    return answered


def batched(worker):
    """The batch pipeline: one claim with contexts, one transaction of completions."""
    answered = 0
    while claimed := turns.claim_with_context(worker=worker, limit=settings.CSBOT_BOT_BATCH, lease_s=30):
        results = [TurnResult(turn=turn, attempt=turn.attempt, outcome="answer", replies=(REPLY,), article="a1")
                   for turn, _ in claimed]
        answered += sum(1 for stored in actions.complete_bot_turns(worker=worker, results=results).values() if stored)
    return answered


def direct(worker):
    """The direct path: no claim, the pending turns finished in batches with a compare-and-set."""
    answered = 0
    pending = list(BotTurn.objects.filter(state="pending").order_by("pk").values_list("conversation_id", "message_id"))
    for start in range(0, len(pending), settings.CSBOT_BOT_BATCH):
        results = [TurnResult(turn=PendingTurn(conversation_id=c, message_id=m, after=0), attempt=1,
                              outcome="answer", replies=(REPLY,), article="a1")
                   for c, m in pending[start:start + settings.CSBOT_BOT_BATCH]]
        stored, _left, _finished = actions.complete_pending_turns(worker=worker, results=results)
        answered += sum(1 for messages in stored.values() if messages)
    return answered


def measure(path, count):
    # Turns left waiting by earlier load runs would be answered here too.
    BotTurn.objects.filter(state__in=["pending", "running"]).update(state="cancelled")
    questions(count)
    statements = 0

    def counting(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        wall, cpu = time.perf_counter(), time.thread_time()
        # What the actions publish is collected, as the server's database calls do, and not sent:
        # publishing is timed by the load runs.
        answered, _ = realtime.collecting(path)(f"bench:{uuid.uuid4().hex[:6]}")
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    if answered != count:
        raise SystemExit(f"{path.__name__}: answered {answered} of {count}")
    return statements / count, 1000 * wall / count, 1000 * cpu / count


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    settings.CSBOT_BOT_ENABLED = True
    figures = {turn_by_turn: [], batched: [], direct: []}
    for _ in range(rounds):
        for path in figures:
            close_old_connections()
            figures[path].append(measure(path, count))
    print(f"{count} knowledge-base turns per round, {rounds} rounds alternated, {connection.vendor}; "
          f"batch {settings.CSBOT_BOT_BATCH}; medians per answered turn:")
    for path, rows in figures.items():
        statements, wall, cpu = (statistics.median(column) for column in zip(*rows))
        print(f"  {path.__name__:13} {statements:5.2f} statements  {wall:6.3f} ms wall  {cpu:6.3f} ms CPU (this thread)")


if __name__ == "__main__":
    main()
