"""Decide what the bot does with one customer message: pure and deterministic."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .retrieval import Article, Confidence, Hit
from .text import normalize

__all__ = [
    "Thresholds",
    "Decision",
    "decide",
    "after_llm_failure",
    "detect_language",
    "is_handoff_request",
    "is_greeting",
    "is_thanks",
    "next_miss_count",
]

Language = Literal["zh", "en"]
Kind = Literal["greeting", "thanks", "answer", "llm", "suggest", "handoff"]
HandoffReason = Literal["customer_request", "repeated_miss", "llm_error"]

MAX_SUGGESTIONS = 3
# A runner-up far below the top hit is noise, not a suggestion.
SUGGESTION_SCORE_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Confidence levels: at or above `answer` the bot answers, from `suggest` it offers choices."""

    answer: float = 0.55
    suggest: float = 0.25

    def __post_init__(self) -> None:
        if not 0.0 <= self.suggest <= self.answer <= 1.0:
            raise ValueError("thresholds need 0 <= suggest <= answer <= 1")


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


# --- language -------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def detect_language(text: str, *, default: Language = "zh") -> Language:
    """Return "zh" or "en": Chinese when ideographs outnumber Latin words."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(normalize(text)))
    if cjk == 0 and words == 0:
        return default
    # Brand names ("WeChat Pay") are common in Chinese text, so compare
    # characters with whole words rather than letters with letters.
    return "zh" if cjk >= words else "en"


# --- intents ----------------------------------------------------------------

_HANDOFF_ZH = re.compile(
    r"人工(?!智能)|真人|活人|找客服|联系客服|叫客服|要客服|转客服|接客服|客服人员|"
    r"客服专员|找个人|找人工|有没有人工|换个人"
)
# "客服" alone asks for a person; inside a question ("客服几点上班") it does not.
_HANDOFF_ZH_ALONE = re.compile(r"^(?:有|找|要)?客服(?:呢|吗|在吗|在不在|在哪|在哪里|有吗)?$")
_HANDOFF_NOUNS = (
    r"(?:a |an |the |your |some |real |live |actual |human )*"
    r"(?:human|humans|agent|agents|person|people|someone|somebody|anyone|representative|rep|"
    r"operator|staff|manager|supervisor|customer service|support team|support staff)"
)
_HANDOFF_EN = re.compile(
    r"\b(?:real person|live person|human being|live agent|human agent|live chat agent|"
    r"representative|operator)\b|"
    r"\b(?:talk|speak|chat|connect|transfer|escalate|put me through|get me|give me|"
    r"need|want|request|call)\b(?: \w+){0,4}? (?:to |with )?" + _HANDOFF_NOUNS + r"\b"
)
_HANDOFF_EN_ALONE = re.compile(
    r"^(?:please |pls )?(?:a |an )?(?:human|agent|real agent|customer service|support|person)"
    r"(?: please| pls| now)?$"
)

_GREETING = re.compile(
    r"你好|您好|你们好|大家好|哈喽|哈啰|嗨|喂|在吗|在不在|有人吗|有人在吗|早上好|上午好|中午好|下午好|晚上好|早安|"
    r"\b(?:hello|hi|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|anyone there|is anyone there|are you there)\b"
)
_THANKS = re.compile(
    r"谢谢|多谢|感谢|谢了|谢啦|辛苦了|"
    r"\b(?:thanks|thank you|thank u|thx|ty|cheers|much appreciated|appreciate it)\b"
)
# Words that may surround a greeting or a thanks without adding a question.
_FILLER = re.compile(
    r"客服|小姐姐|亲|啊|呀|哦|噢|呢|吗|啦|哈|嗯|好的|好|明白了|知道了|了|非常|太|你|您|了解|ok|"
    r"\b(?:okay|ok|there|team|everyone|all|guys|bot|so|very|much|a lot|lot|great|got it|perfect|"
    r"cool|nice|for|your|the|help|you|again|many|oh|ah|alright|sir|madam)\b"
)


def is_handoff_request(text: str) -> bool:
    """Tell whether the customer explicitly asks for a human."""
    norm = normalize(text)
    compact = norm.replace(" ", "")
    if _HANDOFF_ZH.search(compact) or _HANDOFF_ZH_ALONE.match(compact):
        return True
    return bool(_HANDOFF_EN.search(norm) or _HANDOFF_EN_ALONE.match(norm))


def is_greeting(text: str) -> bool:
    """Tell whether the message is only a greeting."""
    return _only(text, _GREETING)


def is_thanks(text: str) -> bool:
    """Tell whether the message is only a thank-you."""
    return _only(text, _THANKS)


def _only(text: str, pattern: re.Pattern) -> bool:
    """Tell whether a text holds the pattern and nothing but filler besides."""
    norm = normalize(text)
    if not pattern.search(norm):
        return False
    rest = _FILLER.sub(" ", pattern.sub(" ", norm))
    return not rest.strip()


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
    hits: Sequence[Hit],
    confidence: Confidence,
    llm_configured: bool,
    consecutive_misses: int,
    thresholds: Thresholds,
    articles: Mapping[str, Article] | None = None,
) -> Decision:
    """Choose greeting, thanks, answer, LLM, suggestions or handoff for one message."""
    language = detect_language(text)
    if is_handoff_request(text):
        return _handoff("customer_request", language)
    if is_greeting(text):
        return Decision(kind="greeting", text=TEXTS["greeting"][language])
    if is_thanks(text):
        return Decision(kind="thanks", text=TEXTS["thanks"][language])

    level = confidence.normalized
    if hits and level >= thresholds.answer:
        top = hits[0]
        article = articles.get(top.article_id) if articles is not None else None
        return Decision(kind="answer", article_id=top.article_id, text=article.answer if article else None)

    weak = bool(hits) and level >= thresholds.suggest
    if weak and llm_configured:
        # The LLM gets a fresh chance even after a miss: it sees the articles.
        return Decision(kind="llm", suggestions=_suggestions(hits))
    if consecutive_misses >= 1:
        return _handoff("repeated_miss", language)
    if not weak:
        return Decision(kind="suggest", text=TEXTS["not_understood"][language])
    suggestions = _suggestions(hits)
    items = "\n".join(f"{i}. {hit.title}" for i, hit in enumerate(hits[: len(suggestions)], 1))
    return Decision(kind="suggest", suggestions=suggestions, text=TEXTS["suggest"][language].format(items=items))


def _suggestions(hits: Sequence[Hit]) -> tuple[str, ...]:
    """Return the ids of the hits worth offering, best first."""
    if not hits:
        return ()
    floor = hits[0].score * SUGGESTION_SCORE_SHARE
    return tuple(h.article_id for h in hits[:MAX_SUGGESTIONS] if h.score >= floor)


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
