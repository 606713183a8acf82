"""The evaluation sets' paraphrases as written and again quoting an order number, through the bot's decision path.

    DEBUG=1 .venv/bin/python bench/kb_references.py [SET ...]

For every set in bench/kb_eval/ (or the ones named), each paraphrase is asked
as written, then with a reference in one of five forms per language (after a
space or a comma, with or without a label, in front, in brackets), the number
drawn from a fixed seed. Prints per set and in total the right article
answered, wrong answers and out-of-scope questions answered. Run it from two
checkouts to compare them.
"""

import asyncio
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")

import django  # noqa: E402

django.setup()

from chat.bot import embedding  # noqa: E402
from chat.bot.evaluation import Item, evaluate, load_items  # noqa: E402
from chat.management.commands._kb_eval import _knowledge_from_file  # noqa: E402

SETS = ROOT / "bench" / "kb_eval"
FORMS = {
    "zh": ["{q} 订单号{n}", "{q}，订单号：{n}", "{q} {n}", "订单{n}，{q}", "{q} 单号{n}"],
    "en": ["{q} order #{n}", "{q}, order number {n}", "{q} {n}", "Order {n}: {q}", "{q} (tracking no. {n})"],
}


def quoting(items, seed=7):
    rng = random.Random(seed)
    out = []
    for i, item in enumerate(items):
        if item.kind != "paraphrase":
            continue
        number = rng.choice([str(rng.randrange(10**8, 10**12)), f"SF{rng.randrange(10**9, 10**10)}",
                             f"2026{rng.randrange(10**7, 10**8)}"])
        form = FORMS["zh" if item.language == "zh" else "en"][i % 5]
        out.append(Item(form.format(q=item.question.rstrip(), n=number), item.expected, item.kind, item.language))
    return out


def figures(report):
    paraphrases = [o for o in report.outcomes if o.item.kind == "paraphrase"]
    right = sum(1 for o in paraphrases if o.kind == "answer" and o.article == o.item.expected)
    wrong = sum(1 for o in paraphrases if o.kind == "answer" and o.article != o.item.expected)
    oos = sum(1 for o in report.outcomes if o.item.kind == "out_of_scope" and o.kind == "answer")
    return len(paraphrases), right, wrong, oos


async def run(knowledge, items):
    try:
        return await evaluate(knowledge, items, embedding.batcher.embed)
    finally:
        await embedding.batcher.stop()


def main():
    names = sys.argv[1:] or sorted(p.name for p in SETS.iterdir() if (p / "questions.json").exists())
    totals = {"as written": [0, 0, 0, 0], "quoting a reference": [0, 0, 0, 0]}
    for name in names:
        knowledge = _knowledge_from_file(SETS / name / "kb.json")
        items = load_items(SETS / name / "questions.json")
        for variant, asked in (("as written", items), ("quoting a reference", quoting(items))):
            n, right, wrong, oos = figures(asyncio.run(run(knowledge, asked)))
            for k, v in enumerate((n, right, wrong, oos)):
                totals[variant][k] += v
            print(f"{name:12} {variant:20} {right:4}/{n} right answered ({100 * right / n:5.1f}%), "
                  f"{wrong} wrong, {oos} out of scope answered", flush=True)
    for variant, (n, right, wrong, oos) in totals.items():
        print(f"{'all':12} {variant:20} {right:4}/{n} right answered ({100 * right / n:5.1f}%), "
              f"{wrong} wrong, {oos} out of scope answered")


if __name__ == "__main__":
    main()
