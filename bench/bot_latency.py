"""Time knowledge-base answers through a real socket: send a question, wait for the bot.

Starts one daphne on a fresh SQLite database with the demo knowledge base,
connects one customer and asks N questions that the knowledge base answers
directly, one at a time. Prints p50/p99 from send to the first bot frame
(`typing`) and to the stored answer (`message`). Not a test: it prints figures.

    .venv/bin/python bench/bot_latency.py [N]
"""

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.client import ChatClient  # noqa: E402
from tests.support.servers import Daphne, Database  # noqa: E402


def direct_questions():
    """Return evaluation questions the demo knowledge base answers without the LLM (through the decision path)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")
    django.setup()
    from chat.bot import embedding
    from chat.bot.dialogue import respond
    from chat.bot.knowledge import demo_articles
    from chat.bot.service import Knowledge
    from chat.bot.vectors import calibrated, prepare

    encoder = embedding.encoder()
    prepared = prepare(demo_articles(), {}, encoder)
    knowledge = Knowledge(prepared.index, calibrated(prepared, encoder, None)[0])
    items = json.loads((ROOT / "tests/chat/bot/eval_set.json").read_text(encoding="utf-8"))["items"]

    async def embed(text):
        return encoder.queries([text])[0]

    async def answered(question):
        reply = await respond(text=question, knowledge=knowledge, embed=embed, previous=None, misses=0,
                              llm_configured=False)
        return reply.decision.kind == "answer"

    return [q for q in (i["question"] for i in items) if asyncio.run(answered(q))]


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def ask(client, n, question):
    """Return (seconds to the first bot frame, seconds to the bot's message)."""
    started = time.perf_counter()
    await client.send({"type": "message", "client_msg_id": f"q{n}", "text": question})
    first = None
    while True:
        frame = await client.recv(timeout=30)
        is_bot = frame.get("sender") == "bot"
        if first is None and is_bot and frame["type"] in ("typing", "stream", "message"):
            first = time.perf_counter() - started
        if frame["type"] == "message" and is_bot:
            return first, time.perf_counter() - started


async def main(count):
    questions = direct_questions()
    database = Database("sqlite")
    subprocess.run([sys.executable, "manage.py", "load_demo_kb", "-v0"], cwd=ROOT, env=database.env, check=True)
    server = Daphne(database, name="bench", CSBOT_BOT_ENABLED=1, CSBOT_RATE_LIMIT_PER_S=1000,
                    CSBOT_RATE_LIMIT_BURST=1000, LOG_LEVEL="WARNING")
    try:
        client = ChatClient("bench-latency")
        await client.connect(server)
        await ask(client, 0, questions[0])  # the first question builds the index
        firsts, replies = [], []
        for n in range(1, count + 1):
            first, reply = await ask(client, n, questions[n % len(questions)])
            firsts.append(first * 1000)
            replies.append(reply * 1000)
        await client.close()
    finally:
        server.kill()
        database.drop()
    print(f"knowledge-base answers over a real socket (daphne, SQLite, {len(questions)} distinct questions, n={count})")
    for name, values in (("first bot frame", firsts), ("answer message", replies)):
        print(f"  {name:16} p50 {statistics.median(values):6.1f} ms   p99 {pct(values, 99):6.1f} ms   max {max(values):6.1f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
