"""Keep an LLM answer to the knowledge base: its sentinel for "not there", its source line, and no leaked prompt.

The model is asked to answer only from the articles it is given, to end with
the title of the article it used, and to say only `NO_ANSWER` when the
articles do not answer the question. Whatever it streams passes an
`OutputGuard` before a customer sees it:

- the beginning is held while it could still be the sentinel, so a "not in
  the knowledge base" never reaches the customer as text; the bot offers the
  closest articles or a person instead;
- the last `HOLD` characters are held back, and any `WINDOW` consecutive
  characters of the instructions (or their canary) in the output stop the
  stream before those characters leave: a customer who talks the model into
  reciting its instructions gets nothing of them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from .retrieval import Article

__all__ = ["NO_ANSWER", "CANARY", "OutputGuard", "cited_article", "source_line"]

NO_ANSWER = "NO_ANSWER"
# A random mark in the instructions: seeing it in an answer means the prompt leaked.
CANARY = "csbot-" + secrets.token_hex(6)
# Characters of the instructions (whitespace and case ignored) that count as a leak.
WINDOW = 24
# Raw characters held back from the customer until more text shows they are safe: a window plus
# the spaces it may span in English.
HOLD = WINDOW + 8

SOURCE = {"zh": "（来源：{title}）", "en": "(Source: {title})"}
_SOURCE_RE = re.compile(r"[（(]\s*(?:来源|source)\s*[:：]\s*(.+?)\s*[)）]\s*$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub("", text).lower()


def source_line(language: str) -> str:
    """How the model is told to name the article it used."""
    return SOURCE.get(language, SOURCE["zh"])


def cited_article(text: str, articles: Sequence[Article]) -> str | None:
    """Return the id of the article the answer names as its source, if it names one of them."""
    found = _SOURCE_RE.search(text.strip())
    if not found:
        return None
    named = _squash(found.group(1)).strip("“”\"'《》")
    for article in articles:
        if _squash(article.title) == named:
            return article.id
    return None


class OutputGuard:
    """Release streamed text only once it can be neither the sentinel nor a piece of the instructions."""

    def __init__(self, instructions: str) -> None:
        squashed = _squash(instructions)
        self._secret = {squashed[i : i + WINDOW] for i in range(max(0, len(squashed) - WINDOW + 1))}
        self._canary = CANARY.lower()
        self._text = ""
        self._released = 0
        self._squashed = ""
        self.leaked = False

    @property
    def released(self) -> str:
        return self._text[: self._released]

    def _could_be_sentinel(self) -> bool:
        head = self._text.strip()
        return NO_ANSWER.startswith(head) or head.startswith(NO_ANSWER)

    def feed(self, chunk: str) -> str:
        """Take more model output; return what may be shown now ("" while held or after a leak)."""
        if self.leaked:
            return ""
        start = max(0, len(self._squashed) - WINDOW + 1)
        self._text += chunk
        self._squashed += _squash(chunk)
        tail = self._squashed[start:]
        if self._canary in self._squashed[max(0, start - len(self._canary)) :] or any(
            tail[i : i + WINDOW] in self._secret for i in range(max(0, len(tail) - WINDOW + 1))
        ):
            self.leaked = True
            return ""
        if self._could_be_sentinel():
            return ""
        return self._release(len(self._text) - HOLD)

    def finish(self) -> str:
        """The stream ended (or failed): return whatever is still held, unless it is the sentinel or a leak."""
        if self.leaked or self.no_answer or NO_ANSWER.startswith(self._text.strip()):
            return ""
        return self._release(len(self._text))

    @property
    def no_answer(self) -> bool:
        """The model said the articles do not answer the question (anywhere in its answer)."""
        return NO_ANSWER in self._text

    def _release(self, upto: int) -> str:
        if upto <= self._released:
            return ""
        out = self._text[self._released : upto]
        self._released = upto
        return out
