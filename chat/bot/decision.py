"""Decide what the bot does with one customer message: pure and deterministic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from .calibration import Calibration
from .hybrid import Ranking
from .intents import Language, detect_language, handoff_reason, is_greeting, is_handoff_request, is_thanks
from .retrieval import Article

__all__ = [
    "Decision",
    "decide",
    "answer_with",
    "after_llm_failure",
    "after_llm_no_answer",
    "offer",
    "detect_language",
    "is_handoff_request",
    "is_greeting",
    "is_thanks",
    "next_miss_count",
    "TEXTS",
]

Kind = Literal["greeting", "thanks", "answer", "llm", "suggest", "handoff"]
HandoffReason = Literal[
    "customer_request", "security", "complaint", "manager", "repeated_miss", "llm_error", "bot_error"
]

# The right article is among the first three for about 94% of paraphrases and among
# the first five for about 97%; a list stops where the runners-up fall behind.
MAX_SUGGESTIONS = 5
# A runner-up this far behind the top hit is noise, not a suggestion (fused-score
# units): lists of close neighbours grow to five, a clear top keeps a short list.
SUGGESTION_GAP = 0.10


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a message; `text` is ready to send unless kind is "llm"."""

    kind: Kind
    article_id: str | None = None
    suggestions: tuple[str, ...] = ()
    reason: HandoffReason | None = None
    text: str | None = None
    detail: str | None = None

    @property
    def is_miss(self) -> bool:
        """Tell whether this turn failed to help the customer."""
        return self.kind == "suggest"


# --- replies ------------------------------------------------------------------

TEXTS: dict[str, dict[Language, str]] = {
    "greeting": {
        "zh": "您好！我是智能客服，请问有什么可以帮您？",
        "en": "Hello! I'm the virtual assistant. How can I help you today?",
    },
    "thanks": {
        "zh": "不客气！还有其他问题随时问我。",
        "en": "You're welcome! Let me know if there's anything else I can help with.",
    },
    "suggest": {
        "zh": "抱歉，我不太确定您想问的是哪个问题。您是不是想问：\n{items}\n请回复序号或换个说法，也可以回复“人工”转接人工客服。",
        "en": "Sorry, I'm not sure which question you mean. Did you mean:\n{items}\nReply with a number or rephrase, or type \"agent\" to talk to a person.",
    },
    "not_understood": {
        "zh": "抱歉，我没能理解您的问题。请换个说法试试，或回复“人工”转接人工客服。",
        "en": "Sorry, I didn't understand that. Could you rephrase it? You can also type \"agent\" to talk to a person.",
    },
    "customer_request": {
        "zh": "好的，正在为您转接人工客服，请稍候。",
        "en": "Sure, I'm connecting you with a member of our team. Please hold on.",
    },
    "security": {
        "zh": "账号和资金安全的问题需要人工核实，正在为您转接人工客服，请稍候。",
        "en": "Account and payment security needs a person to check. I'm connecting you with our team now.",
    },
    "complaint": {
        "zh": "非常抱歉给您带来不好的体验，正在为您转接人工客服处理，请稍候。",
        "en": "I'm sorry about your experience. I'm connecting you with a member of our team to sort it out.",
    },
    "manager": {
        "zh": "好的，正在为您转接人工客服，会由负责同事跟进，请稍候。",
        "en": "Understood. I'm connecting you with our team so someone senior can follow up.",
    },
    "repeated_miss": {
        "zh": "抱歉没能帮到您，正在为您转接人工客服，请稍候。",
        "en": "Sorry I couldn't help with that. I'm connecting you with a member of our team.",
    },
    "llm_error": {
        "zh": "抱歉，我暂时无法回答这个问题，正在为您转接人工客服，请稍候。",
        "en": "Sorry, I can't answer that right now. I'm connecting you with a member of our team.",
    },
}


def _handoff(reason: HandoffReason, language: Language, detail: str | None = None) -> Decision:
    """Build a handoff decision with its message."""
    return Decision(kind="handoff", reason=reason, text=TEXTS[reason][language], detail=detail)


# --- the decision ---------------------------------------------------------------


def decide(
    *,
    text: str,
    ranking: Ranking,
    calibration: Calibration,
    llm_configured: bool,
    consecutive_misses: int,
    articles: Mapping[str, Article] | None = None,
    language: Language | None = None,
    stored: str | None = None,
) -> Decision:
    """Choose greeting, thanks, answer, LLM, suggestions or handoff for one message.

    `stored` is the article that stores the message as one of its questions, word for
    word: the knowledge base's author answered it, so no floor is needed.
    """
    language = language or detect_language(text)
    reason = handoff_reason(text)
    if reason is not None:
        return _handoff(cast(HandoffReason, reason), language)
    if is_greeting(text):
        return Decision(kind="greeting", text=TEXTS["greeting"][language])
    if is_thanks(text):
        return Decision(kind="thanks", text=TEXTS["thanks"][language])
    if stored is not None:
        return answer_with(stored, articles)

    top = ranking.top
    if top is not None and ranking.score >= calibration.answer_score and ranking.margin >= calibration.answer_margin:
        return answer_with(top.article_id, articles)

    weak = top is not None and ranking.score >= calibration.suggest_score
    if weak and llm_configured:
        # The LLM gets a fresh chance even after a miss: it sees the articles.
        return Decision(kind="llm", suggestions=_suggestions(ranking))
    if consecutive_misses >= 1:
        return _handoff("repeated_miss", language)
    if not weak:
        return Decision(kind="suggest", text=TEXTS["not_understood"][language])
    return suggest(ranking, language)


def answer_with(article_id: str, articles: Mapping[str, Article] | None) -> Decision:
    """Answer with one article's text."""
    article = articles.get(article_id) if articles is not None else None
    return Decision(kind="answer", article_id=article_id, text=article.answer if article else None)


def suggest(ranking: Ranking, language: Language) -> Decision:
    """Offer a numbered "did you mean" list of the closest titles."""
    suggestions = _suggestions(ranking)
    return offer([(hit.article_id, hit.title) for hit in ranking.hits[: len(suggestions)]], language)


def offer(choices: Sequence[tuple[str, str]], language: Language) -> Decision:
    """Offer a numbered list of (article id, title); the customer picks by number, order or title."""
    items = "\n".join(f"{i}. {title}" for i, (_, title) in enumerate(choices, 1))
    return Decision(kind="suggest", suggestions=tuple(a for a, _ in choices),
                    text=TEXTS["suggest"][language].format(items=items))


def after_llm_no_answer(choices: Sequence[tuple[str, str]], *, consecutive_misses: int, language: Language) -> Decision:
    """The LLM found no answer in the articles: offer them, or a person after a miss or with nothing to offer."""
    if consecutive_misses >= 1 or not choices:
        return _handoff("repeated_miss", language)
    return offer(choices[:MAX_SUGGESTIONS], language)


def _suggestions(ranking: Ranking) -> tuple[str, ...]:
    """Return the ids of the hits worth offering, best first."""
    if not ranking.hits:
        return ()
    floor = ranking.hits[0].score - SUGGESTION_GAP
    return tuple(h.article_id for h in ranking.hits[:MAX_SUGGESTIONS] if h.score >= floor)


def after_llm_failure(reason: str, *, language: Language = "zh") -> Decision:
    """Hand the conversation to a human after the LLM failed with `reason`."""
    return _handoff("llm_error", language, detail=reason)


def next_miss_count(decision: Decision, consecutive_misses: int) -> int:
    """Return the consecutive-miss count to store after this decision."""
    if decision.is_miss:
        return consecutive_misses + 1
    if decision.kind in ("answer", "llm", "handoff"):
        return 0
    # Greetings and thanks neither help nor fail: keep the streak as it is.
    return consecutive_misses
