"""One bot reply in the context of the conversation: picks from a numbered list, follow-ups, then `decide`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np

from .decision import Decision, answer_with, decide
from .hybrid import Ranking
from .intents import Language, detect_language, handoff_reason, looks_like_follow_up, pick
from .references import without_references

__all__ = ["Previous", "respond", "Reply"]

Embed = Callable[[str], Awaitable["np.ndarray | None"]]


@dataclass(frozen=True)
class Previous:
    """The bot's last finished turn in this conversation."""

    outcome: str = ""
    article: str = ""
    suggestions: tuple[str, ...] = ()
    question: str = ""

    @property
    def language(self) -> Language:
        return detect_language(self.question) if self.question else "zh"


@dataclass(frozen=True)
class Reply:
    """The decision, the language it speaks, and the ranking behind it (for the eval and metrics)."""

    decision: Decision
    language: Language
    ranking: Ranking | None = None
    how: str = "ranked"  # "ranked", "picked", "follow-up", "intent"


async def respond(
    *, text: str, knowledge, embed: Embed, previous: Previous | None, misses: int, llm_configured: bool
) -> Reply:
    """Decide one reply: a pick from the last list, a follow-up read with the last question, or a fresh one."""
    previous = previous or Previous()
    language = detect_language(text, default=previous.language)
    articles = knowledge.index
    if previous.outcome == "suggest" and previous.suggestions and handoff_reason(text) is None:
        offered = [articles.article(a) for a in previous.suggestions]
        titles = [a.title for a in offered if a is not None]
        choice = pick(text, titles) if len(titles) == len(offered) else None
        if choice is not None:
            chosen = previous.suggestions[choice]
            return Reply(answer_with(chosen, {chosen: articles.article(chosen)}), language, how="picked")

    query = without_references(text)  # what is asked, without the order numbers it quotes
    stored = articles.storing(query, language=language)
    if stored is not None:
        # A question the base stores word for word (a suggested-question chip, a title picked from a list) is
        # answered with that article: neither the encoder nor the ranking has anything to add.
        ranking = Ranking.empty(language)
    else:
        ranking = articles.rank(query, await embed(query), language=language)
    decision = _decide(text, ranking, knowledge, misses, llm_configured, language, stored)
    missed = decision.kind in ("suggest", "llm") or decision.reason == "repeated_miss"
    if missed and previous.question and looks_like_follow_up(text):
        combined = f"{without_references(previous.question)} {query}"
        joined = articles.rank(combined, await embed(combined), language=language)
        calibration = knowledge.calibration
        if joined.top and joined.score >= calibration.answer_score and joined.margin >= calibration.answer_margin:
            found = joined.top.article_id
            return Reply(answer_with(found, {found: articles.article(found)}), language, joined, how="follow-up")
    return Reply(decision, language, ranking, how="ranked" if decision.kind in ("answer", "suggest", "llm") else "intent")


def _decide(text, ranking, knowledge, misses, llm_configured, language, stored=None) -> Decision:
    hits = {h.article_id: knowledge.index.article(h.article_id) for h in ranking.hits}
    if stored is not None:
        hits[stored.id] = stored
    return decide(text=text, ranking=ranking, calibration=knowledge.calibration, llm_configured=llm_configured,
                  consecutive_misses=misses, articles=hits, language=language,
                  stored=stored.id if stored is not None else None)
