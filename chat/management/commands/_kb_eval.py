"""The knowledge-base command's evaluation and calibration report (kept apart to keep kb.py small)."""

from __future__ import annotations

import asyncio
import json

from django.core.management.base import CommandError

from chat.bot import embedding
from chat.bot.evaluation import evaluate, load_items
from chat.bot.formats import format_for, parse
from chat.bot.retrieval import Article
from chat.bot.service import Knowledge, build_knowledge
from chat.bot.vectors import calibrated, prepare


def report_knowledge(command) -> Knowledge:
    """Build the knowledge (embedding what changed, calibrating) and print the floors."""
    knowledge = build_knowledge()
    if command.verbosity >= 1:
        c = knowledge.calibration
        mode = "sentence vectors and words" if knowledge.index.dense else "words only"
        if c.positives and c.answer_score < 1e8:
            command.stdout.write(
                f"calibrated on {c.positives} held-out questions and {c.negatives} negatives ({mode}): "
                f"answer at score >= {c.answer_score:.3f} and lead >= {c.answer_margin:.3f} "
                f"({c.covered} of {c.positives} held-out questions), suggest from {c.suggest_score:.3f}"
            )
        else:
            command.stdout.write(f"too few stored questions to vouch for direct answers ({mode}): the bot suggests")
    return knowledge


def _knowledge_from_file(path) -> Knowledge:
    try:
        entries = parse(open(path, encoding="utf-8").read(), format_for(path, None))
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    articles = [Article(id=e.slug, title=e.title, questions=e.questions, answer=e.answer, tags=e.tags,
                        language=e.language) for e in entries if e.enabled]
    encoder = embedding.encoder()
    prepared = prepare(articles, {}, encoder)
    calibration, _ = calibrated(prepared, encoder, None)
    return Knowledge(prepared.index, calibration)


def evaluate_file(command, path, *, kb=None, as_json=False, show_mistakes=False) -> None:
    """Evaluate the questions in `path` against the database's knowledge base or the file `kb`."""
    try:
        items = load_items(path)
    except (OSError, ValueError, KeyError) as exc:
        raise CommandError(f"{path}: {exc}") from exc
    knowledge = _knowledge_from_file(kb) if kb else build_knowledge()
    missing = sorted({i.expected for i in items if i.expected and knowledge.article(i.expected) is None})
    if missing:
        raise CommandError(f"{path}: articles not in the knowledge base: {', '.join(missing[:10])}")

    async def run():
        try:
            return await evaluate(knowledge, items, embedding.batcher.embed)
        finally:
            await embedding.batcher.stop()

    report = asyncio.run(run())
    summary = report.summary()
    c = knowledge.calibration
    summary["calibration"] = {"answer_score": c.answer_score, "answer_margin": c.answer_margin,
                              "suggest_score": c.suggest_score, "held_out_covered": c.covered,
                              "held_out": c.positives, "dense": knowledge.index.dense}
    if as_json:
        command.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for language in ("zh", "en"):
            if language in summary:
                s = summary[language]
                command.stdout.write(
                    f"{language}: {s['questions']} questions: right article answered {s['right_answered_pct']}%, "
                    f"wrong answers {s['answered_wrong']}, right article shown (answer or suggestion) "
                    f"{s['right_shown_pct']}%, handed off {s['handed_off']}"
                )
        o = summary["out_of_scope"]
        command.stdout.write(f"out of scope: {o['questions']} questions, answered {o['answered']}")
        for kind in ("person", "escalate"):
            k = summary[kind]
            command.stdout.write(f"{kind}: {k['questions']} questions, handed off {k['handed_off']} {k['reasons']}")
        k = summary["not_person"]
        command.stdout.write(f"mentions a person, asks a question: {k['questions']} questions, "
                             f"handed off {k['handed_off']} (should be 0)")
        lat = summary["latency_ms"]
        command.stdout.write(f"decision latency, encoder included: p50 {lat['p50']} ms, p99 {lat['p99']} ms")
    if show_mistakes:
        for o in report.mistakes():
            command.stdout.write(f"  [{o.item.kind}] {o.item.question!r}: {o.kind} {o.article or ''} "
                                 f"(expected {o.item.expected or 'no answer'})")
