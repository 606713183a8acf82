"""Load knowledge-base articles from the JSON interchange format."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .retrieval import Article

__all__ = ["DEMO_KB_PATH", "article_from_dict", "articles_from_json", "load_articles", "demo_articles"]

DEMO_KB_PATH = Path(__file__).with_name("data") / "kb_demo.json"


def article_from_dict(data: Mapping[str, Any]) -> Article:
    """Build an article from one JSON object, rejecting missing or empty fields."""
    missing = [key for key in ("id", "title", "answer") if not str(data.get(key, "")).strip()]
    if missing:
        raise ValueError(f"article {data.get('id', '?')!r} lacks {', '.join(missing)}")
    questions = [str(q) for q in data.get("questions") or [] if str(q).strip()]
    return Article(
        id=str(data["id"]),
        title=str(data["title"]),
        questions=questions,
        answer=str(data["answer"]),
        tags=[str(t) for t in data.get("tags") or []],
        updated=str(data.get("updated") or ""),
        language=str(data.get("language") or ""),
    )


def articles_from_json(payload: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Article]:
    """Read articles from `{"articles": [...]}` or a bare list, refusing duplicate ids."""
    rows = payload["articles"] if isinstance(payload, Mapping) else payload
    articles = [article_from_dict(row) for row in rows]
    seen: set[str] = set()
    for art in articles:
        if art.id in seen:
            raise ValueError(f"duplicate article id {art.id!r}")
        seen.add(art.id)
    return articles


def load_articles(path: str | Path) -> list[Article]:
    """Load articles from a JSON file."""
    with open(path, encoding="utf-8") as fh:
        return articles_from_json(json.load(fh))


def demo_articles() -> list[Article]:
    """Return the bundled demo knowledge base."""
    return load_articles(DEMO_KB_PATH)
