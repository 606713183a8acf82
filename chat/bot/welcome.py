"""What an empty chat shows: a greeting and questions the bot answers, in the customer's language.

A suggested question is only worth a chip if tapping it gets its article: each
candidate is asked through the same decision path as a typed message, and
kept only when that path answers it with the article it came from. The result
depends on the knowledge base and its calibration only, so it is computed
once per index version and language.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from .decision import TEXTS
from .dialogue import Embed, respond
from .intents import Language, detect_language

__all__ = ["Welcome", "welcome", "LANGUAGES", "reset"]

LANGUAGES: tuple[Language, ...] = ("zh", "en")
MAX_QUESTIONS = 4
# How many articles are tried per language: a bound on embedding work per index version.
MAX_CANDIDATES = 24
# Popularity moves slowly; the suggestions are refreshed this often even when the KB does not change.
TTL_S = 600.0

_memo: dict[tuple, tuple[float, Welcome]] = {}


@dataclass(frozen=True)
class Welcome:
    language: Language
    greeting: str
    questions: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"language": self.language, "greeting": self.greeting, "questions": list(self.questions)}


def reset() -> None:
    """Forget computed suggestions (tests)."""
    _memo.clear()


def _question_in(article, language: Language) -> str | None:
    """Return the article's first stored phrasing written in `language`, or its title if that is."""
    if article.language and article.language != language:
        return None
    for text in [*article.questions, article.title]:
        if text and detect_language(text) == language and len(text) <= 60:
            return text
    return None


def _candidates(index, language: Language, popular: Sequence[str]) -> list[tuple[str, str]]:
    """Return (article id, question) pairs: popular articles first, then the knowledge base's order."""
    seen: set[str] = set()
    ordered = [a for a in (index.article(slug) for slug in popular) if a is not None] + list(index.articles)
    pairs = []
    for article in ordered:
        if article.id in seen:
            continue
        seen.add(article.id)
        question = _question_in(article, language)
        if question is not None:
            pairs.append((article.id, question))
        if len(pairs) >= MAX_CANDIDATES:
            break
    return pairs


async def welcome(language: Language, *, knowledge, embed: Embed, popular: Sequence[str] = ()) -> Welcome:
    """Return the greeting and up to four questions that the bot answers with their own article."""
    greeting = TEXTS["greeting"][language]
    if knowledge is None or len(knowledge) == 0:
        return Welcome(language, greeting, ())
    key = (knowledge.index.fingerprint, repr(knowledge.calibration), language, tuple(popular[:MAX_CANDIDATES]))
    hit = _memo.get(key)
    if hit is not None and time.monotonic() - hit[0] < TTL_S:
        return hit[1]
    questions: list[str] = []
    for article_id, question in _candidates(knowledge.index, language, popular):
        reply = await respond(text=question, knowledge=knowledge, embed=embed, previous=None, misses=0,
                              llm_configured=False)
        if reply.decision.kind == "answer" and reply.decision.article_id == article_id:
            questions.append(question)
            if len(questions) >= MAX_QUESTIONS:
                break
    result = Welcome(language, greeting, tuple(questions))
    if len(_memo) > 64:
        _memo.clear()
    _memo[key] = (time.monotonic(), result)
    return result
