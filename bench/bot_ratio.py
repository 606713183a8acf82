"""Bot answers per second against plain messages per second on one instance, side by side.

    .venv/bin/python bench/bot_ratio.py [--redis URL] [--rounds 3] [--sockets 50] [--seconds 10] \
        [--questions stored|paraphrases] [--embed-cache N] [--claims-too]

Two daphne processes of the same build on one fresh PostgreSQL database with
the demo knowledge base: one with the bot off, one with it on. Round after
round, --sockets sockets drive each in turn in a closed loop: on the first,
each sends its next message when the ack of the last comes back; on the
second, each asks its next question when the bot's reply to the last comes
back. The ratio (answered questions/s over acked messages/s) is taken per round.
--claims-too adds a third instance with CSBOT_BOT_DIRECT=0, whose every turn
waits for a runner's claim, driven the same way in the same rounds.

--questions stored asks the base's own stored questions, each with a fresh
order number, as `manage.py loadtest --bot` does; --questions paraphrases
asks the demo evaluation set's paraphrases, texts the base does not store.
--embed-cache sets the bot instance's CSBOT_BOT_EMBED_CACHE (0: every
question goes through the encoder). A user handed to a person stops asking
(the bot is silent then); a question not answered in 20 s counts as unanswered.
Loopback only; every loop is bounded by --seconds.
"""

import argparse
import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bot_pipeline import _wait_ready  # noqa: E402
from bench.core_socket import login_many, open_socket, server_arguments  # noqa: E402
from bench.echo_ratio import csbot_rate as plain_rate  # noqa: E402
from chat.loadtest.procstat import cpu_seconds  # noqa: E402
from tests.support.servers import Daphne, Database  # noqa: E402

ANSWER_TIMEOUT_S = 20.0
EVAL_SET = ROOT / "tests/chat/bot/eval_set.json"


def stored_questions():
    from chat.bot.formats import parse

    entries = parse((ROOT / "chat/bot/data/kb_demo.json").read_text(encoding="utf-8"), "json")
    return [q for e in entries if e.enabled for q in e.questions]


def paraphrases():
    data = json.loads(EVAL_SET.read_text(encoding="utf-8"))
    rows = data["items"] if isinstance(data, dict) else data
    return [r["question"] for r in rows if r.get("expected")]


def with_order_number(question, user, n):
    number = f"{user:05d}{n:05d}"
    return f"{question} 订单号{number}" if not question.isascii() else f"{question} order #{number}"


async def bot_rate(server, tokens, round_no, seconds, texts, order_numbers):
    """Answered questions/s; each socket asks its next question once the bot replied to the last."""
    connections = [await open_socket(server, t) for t in tokens]
    handed_off = unanswered = answered = 0
    picks = itertools.count()
    deadline = time.monotonic() + seconds

    async def reply(ws):
        """'answered', 'handed off' or 'unanswered' for the question just sent."""
        until = time.monotonic() + ANSWER_TIMEOUT_S
        while True:
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, until - time.monotonic())))
            except TimeoutError:
                return "unanswered"
            if frame["type"] == "status" and frame.get("status") in ("queued", "agent"):
                return "handed off"  # a person owns this chat now: the bot stays silent, so this socket stops
            if frame["type"] == "message" and frame.get("sender") == "bot":
                return "answered"

    async def run(i, ws):
        nonlocal handed_off, unanswered, answered
        n = 0
        while time.monotonic() < deadline:
            text = texts[(next(picks) * 7919) % len(texts)]
            if order_numbers:
                text = with_order_number(text, i, round_no * 100000 + n)
            await ws.send(json.dumps({"type": "message", "client_msg_id": f"q{round_no}-{i}-{n}", "text": text}))
            outcome = await reply(ws)
            n += 1
            if outcome == "answered":
                answered += 1
            elif outcome == "handed off":
                handed_off += 1
                return
            else:
                unanswered += 1

    started = time.monotonic()
    await asyncio.gather(*(run(i, ws) for i, ws in enumerate(connections)))
    rate = answered / (time.monotonic() - started)
    for ws in connections:
        await ws.close()
    return rate, handed_off, unanswered


async def main():
    parser = argparse.ArgumentParser()
    server_arguments(parser, db="postgres")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sockets", type=int, default=50)
    parser.add_argument("--questions", choices=["stored", "paraphrases"], default="stored")
    parser.add_argument("--embed-cache", type=int, default=None, metavar="N")
    parser.add_argument("--claims-too", action="store_true")
    args = parser.parse_args()
    texts = stored_questions() if args.questions == "stored" else paraphrases()
    database = Database(args.db, args.pg if args.db == "postgres" else None)
    subprocess.run([sys.executable, "manage.py", "load_demo_kb", "-v0"], cwd=ROOT, env=database.env, check=True)
    quiet = {"CSBOT_RATE_LIMIT_BURST": 100000, "CSBOT_RATE_LIMIT_PER_S": 100000, "CSBOT_HEARTBEAT_S": 600,
             "LOG_LEVEL": "WARNING", "CSBOT_LLM_BASE_URL": ""}
    bot_settings = {**quiet, "CSBOT_BOT_ENABLED": 1}
    if args.embed_cache is not None:
        bot_settings["CSBOT_BOT_EMBED_CACHE"] = args.embed_cache
    plain = Daphne(database, redis_url=args.redis or None, name="plain", **quiet, CSBOT_BOT_ENABLED=0)
    bot = Daphne(database, redis_url=args.redis or None, name="bot", **bot_settings)
    bots = {"bot": bot}
    if args.claims_too:
        bots["bot, claimed"] = Daphne(database, redis_url=args.redis or None, name="claims", **bot_settings,
                                      CSBOT_BOT_DIRECT=0)
    try:
        for server in bots.values():
            _wait_ready(server.port, server.proc)
        plain_tokens = await login_many(plain, args.sockets, "plain")
        rows = []
        for round_no in range(args.rounds):
            cpu0 = cpu_seconds(plain.proc.pid)
            p = await plain_rate(plain, plain_tokens, round_no, args.seconds)
            p_cpu = (cpu_seconds(plain.proc.pid) - cpu0) / args.seconds
            cells = [f"round {round_no + 1}: plain acked {p:.0f}/s (CPU {p_cpu * 100:.0f}%)"]
            row = {"plain": p}
            for label, server in bots.items():
                # Fresh customers each round: no conversation carries a miss streak or a hand-off into the next.
                tag = f"{label.replace(', ', '-')}{round_no}"
                bot_tokens = await login_many(server, args.sockets, tag)
                first_turn = database.query("SELECT COALESCE(MAX(id), 0) FROM chat_botturn")[0][0]
                cpu0 = cpu_seconds(server.proc.pid)
                b, handed, unanswered = await bot_rate(server, bot_tokens, round_no, args.seconds, texts,
                                                       order_numbers=args.questions == "stored")
                b_cpu = (cpu_seconds(server.proc.pid) - cpu0) / args.seconds
                outcomes = Counter(dict(database.query(
                    "SELECT outcome, COUNT(*) FROM chat_botturn WHERE id > %s GROUP BY outcome", (first_turn,))))
                row[label] = b
                cells.append(f"{label} answered {b:.1f}/s (CPU {b_cpu * 100:.0f}%)  ratio {b / p:.3f}  "
                             f"turns {dict(outcomes)}  handed off {handed}/{args.sockets}  unanswered {unanswered}")
            rows.append(row)
            print("\n    ".join(cells), flush=True)
        summary = [f"plain {statistics.median(r['plain'] for r in rows):.0f} acked/s"]
        for label in bots:
            summary.append(f"{label} {statistics.median(r[label] for r in rows):.1f} answered/s, "
                           f"ratio {statistics.median(r[label] / r['plain'] for r in rows):.3f}")
        print(f"median over {args.rounds} rounds ({args.db}, {'redis' if args.redis else 'in-memory'} layer, "
              f"{args.sockets} sockets closed loop, {args.questions} questions): " + "; ".join(summary))
    finally:
        plain.kill()
        for server in bots.values():
            server.kill()
        database.drop()


if __name__ == "__main__":
    asyncio.run(main())
