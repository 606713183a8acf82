"""Measure the bot on labelled questions through the same decision path a conversation takes.

A question set is `{"items": [{"question", "expected", "kind", "language"?}]}`:
- `paraphrase`: `expected` is the article that answers it;
- `not_person`: a question that merely mentions a person ("人工客服几点上班"):
  it must not be handed off; `expected` is the article that answers it, or
  null when none does (then it counts as out of scope too);
- `out_of_scope`: nothing in the knowledge base answers it;
- `person`: an explicit request for a person; `escalate`: a complaint, fraud or
  account-security report, or a request for a manager. Both must be handed off.
Items without `kind` are paraphrases when they name an article, else out of scope.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dialogue import respond
from .intents import detect_language

__all__ = ["Item", "Outcome", "Report", "load_items", "evaluate"]

ANSWERING = ("paraphrase", "not_person")
KINDS = (*ANSWERING, "out_of_scope", "person", "escalate")


@dataclass(frozen=True)
class Item:
    question: str
    expected: str | None
    kind: str
    language: str


@dataclass(frozen=True)
class Outcome:
    item: Item
    kind: str  # the decision's kind
    article: str | None
    suggestions: tuple[str, ...]
    reason: str | None
    ms: float


def load_items(path: str | Path) -> list[Item]:
    """Read a question set, checking every item."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = data["items"] if isinstance(data, dict) else data
    items = []
    for n, row in enumerate(rows, 1):
        question = str(row.get("question", "")).strip()
        expected = row.get("expected") or None
        kind = row.get("kind") or ("paraphrase" if expected else "out_of_scope")
        needs_article = kind == "paraphrase" or (kind in ANSWERING and expected is not None)
        if not question or kind not in KINDS or needs_article != bool(expected):
            raise ValueError(f"item {n}: needs a question, a kind of {', '.join(KINDS)}, and an article "
                             "exactly for paraphrase (and for not_person, when one answers it)")
        items.append(Item(question, expected, kind, row.get("language") or detect_language(question)))
    return items


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _of(self, kinds, language=None):
        return [o for o in self.outcomes if o.item.kind in kinds and (language is None or o.item.language == language)]

    def _answerable(self, language):
        return [o for o in self._of(ANSWERING, language) if o.item.expected]

    def _unanswerable(self):
        return [o for o in self.outcomes if o.item.kind == "out_of_scope"
                or (o.item.kind == "not_person" and not o.item.expected)]

    def summary(self) -> dict:
        """Return the figures: per language for answerable questions, then the rest."""
        out: dict = {}
        for language in ("zh", "en"):
            group = self._answerable(language)
            if not group:
                continue
            n = len(group)
            right = sum(1 for o in group if o.kind == "answer" and o.article == o.item.expected)
            wrong = sum(1 for o in group if o.kind == "answer" and o.article != o.item.expected)
            offered = sum(1 for o in group if o.kind != "answer" and o.item.expected in o.suggestions)
            out[language] = {
                "questions": n, "answered_right": right, "answered_wrong": wrong, "suggested_right": offered,
                "right_answered_pct": round(100 * right / n, 1),
                "right_shown_pct": round(100 * (right + offered) / n, 1),
                "handed_off": sum(1 for o in group if o.kind == "handoff"),
                "outcomes": dict(Counter(o.kind for o in group)),
            }
        oos = self._unanswerable()
        out["out_of_scope"] = {"questions": len(oos), "answered": sum(1 for o in oos if o.kind == "answer"),
                               "outcomes": dict(Counter(o.kind for o in oos))}
        for kind in ("person", "escalate"):
            group = self._of((kind,))
            out[kind] = {"questions": len(group), "handed_off": sum(1 for o in group if o.kind == "handoff"),
                         "reasons": dict(Counter(o.reason for o in group if o.reason))}
        mentions = self._of(("not_person",))
        out["not_person"] = {"questions": len(mentions), "handed_off": sum(1 for o in mentions if o.kind == "handoff")}
        ms = np.array([o.ms for o in self.outcomes]) if self.outcomes else np.zeros(1)
        out["latency_ms"] = {"p50": round(float(np.percentile(ms, 50)), 2),
                             "p99": round(float(np.percentile(ms, 99)), 2)}
        return out

    def mistakes(self) -> list[Outcome]:
        """Return the outcomes that count against the bot: wrong answers, answered out-of-scope, missed hand-offs."""
        bad = []
        for o in self.outcomes:
            if o.item.kind in ANSWERING and o.kind == "answer" and o.article != o.item.expected:
                bad.append(o)
            elif o.item.kind == "not_person" and o.kind == "handoff":
                bad.append(o)
            elif o.item.kind == "out_of_scope" and o.kind == "answer":
                bad.append(o)
            elif o.item.kind in ("person", "escalate") and o.kind != "handoff":
                bad.append(o)
        return bad


async def evaluate(knowledge, items: Sequence[Item], embed, *, llm_configured: bool = False) -> Report:
    """Ask every question as the first message of a conversation; time each decision, embedding included."""
    report = Report()
    for item in items:
        started = time.perf_counter()
        reply = await respond(text=item.question, knowledge=knowledge, embed=embed, previous=None, misses=0,
                              llm_configured=llm_configured)
        ms = (time.perf_counter() - started) * 1000
        d = reply.decision
        report.outcomes.append(Outcome(item, d.kind, d.article_id, d.suggestions, d.reason, ms))
    return report


def run(knowledge, items, embed, **kwargs) -> Report:
    """Evaluate from synchronous code (the management command)."""
    return asyncio.run(evaluate(knowledge, items, embed, **kwargs))
