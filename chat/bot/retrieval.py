"""Rank knowledge-base articles for a customer question with in-memory BM25F."""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .text import analyze

__all__ = ["Article", "Hit", "Hits", "Index", "fingerprint"]


@dataclass(slots=True)
class Article:
    """One knowledge-base entry: the stored phrasings of a question and its answer."""

    id: str
    title: str
    questions: list[str]
    answer: str
    tags: list[str] = field(default_factory=list)
    updated: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked article for a query."""

    article_id: str
    score: float
    title: str


class Hits(list):
    """Ranked hits, remembering the best score the query could have reached (the sum of its terms' idf)."""

    def __init__(self, hits: Iterable[Hit] = (), *, ceiling: float = 0.0) -> None:
        super().__init__(hits)
        self.ceiling = ceiling


# BM25F parameters. The questions and the title are what a customer's
# message resembles, so they dominate; the answer only breaks ties and
# rescues a query that names a detail only the answer mentions.
K1 = 1.2
FIELDS = {
    "title": (1.0, 0.5),  # (weight, length normalisation b)
    "questions": (1.0, 0.3),
    "tags": (1.0, 0.0),
    "answer": (0.5, 0.75),
}
BIGRAM_WEIGHT = 0.7  # a Chinese bigram or lone character is weaker evidence than a word

def fingerprint(articles: Iterable[Article]) -> str:
    """Hash the ids, update stamps and contents so a caller knows when to rebuild."""
    digest = hashlib.sha256()
    for art in sorted(articles, key=lambda a: a.id):
        parts = [art.id, art.updated, art.title, *art.questions, art.answer, *art.tags]
        digest.update("\x1f".join(parts).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


class Index:
    """An immutable inverted index over articles; build once, search from any thread."""

    def __init__(
        self,
        *,
        articles: list[Article],
        postings: dict[str, _Posting],
        idf: dict[str, float],
        missing_idf: float,
        fingerprint: str,
    ) -> None:
        self.articles = articles
        self._by_id = {a.id: a for a in articles}
        self._postings = postings
        self._idf = idf
        self._missing_idf = missing_idf
        self.fingerprint = fingerprint

    def __len__(self) -> int:
        return len(self.articles)

    @classmethod
    def build(cls, articles: Sequence[Article]) -> Index:
        """Index articles: title, questions and tags strongly, the answer weakly."""
        articles = list(articles)
        fields: dict[str, list] = {name: [] for name in FIELDS}
        for art in articles:
            fields["title"].append(_terms(art.title))
            fields["questions"].append(_terms(" \n ".join(art.questions)))
            fields["tags"].append(_terms(" ".join(art.tags)))
            fields["answer"].append(_terms(art.answer))

        pseudo_tf: dict[str, dict[int, float]] = {}
        for name, (weight, b) in FIELDS.items():
            docs = fields[name]
            avg = (sum(len(d) for d in docs) / len(docs)) if docs else 1.0
            for doc_id, terms in enumerate(docs):
                if not terms:
                    continue
                norm = weight / (1.0 - b + b * len(terms) / max(avg, 1.0))
                for term in terms:
                    per_doc = pseudo_tf.setdefault(term, {})
                    per_doc[doc_id] = per_doc.get(doc_id, 0.0) + norm

        n = len(articles)
        idf = {t: _idf(n, len(p)) for t, p in pseudo_tf.items()}
        postings = {}
        for term, per_doc in pseudo_tf.items():
            # Store the saturated term frequency times idf, so a search is a sum.
            table = {doc: idf[term] * tf / (K1 + tf) for doc, tf in per_doc.items()}
            postings[term] = _Posting(tuple(table), tuple(table.values()), table, max(table.values()))
        return cls(
            articles=articles,
            postings=postings,
            idf=idf,
            missing_idf=_idf(n, 0),
            fingerprint=fingerprint(articles),
        )

    def article(self, article_id: str) -> Article | None:
        """Return the article with this id, if indexed."""
        return self._by_id.get(article_id)

    def search(self, query: str, k: int = 3) -> Hits:
        """Return the k best articles for a query, best first."""
        words, bigrams = analyze(query)
        weights: dict[str, float] = {}
        for term in words:
            weights[term] = 1.0
        for term in bigrams:
            weights.setdefault(term, BIGRAM_WEIGHT)

        ceiling = 0.0
        found: list[tuple[float, float, _Posting]] = []
        for term, weight in weights.items():
            posting = self._postings.get(term)
            if posting is None:
                # Words the knowledge base has never seen still count against
                # the ceiling: a question about something else is not a match.
                ceiling += weight * self._missing_idf
            else:
                ceiling += weight * self._idf[term]
                found.append((weight * posting.top, weight, posting))
        scores = _accumulate(found, k) if k > 0 else {}
        best = heapq.nlargest(k, scores.items(), key=lambda kv: kv[1])
        hits = (
            Hit(article_id=self.articles[d].id, score=s, title=self.articles[d].title)
            for d, s in best
        )
        return Hits(hits, ceiling=ceiling)


class _Posting(NamedTuple):
    """Per-term contributions: parallel doc/value tuples, a lookup table, the maximum."""

    docs: tuple[int, ...]
    vals: tuple[float, ...]
    table: dict[int, float]
    top: float


PRUNE_MIN_POSTINGS = 256


def _accumulate(found: list[tuple[float, float, _Posting]], k: int) -> dict[int, float]:
    """Sum term contributions per article, exactly for the top k (MaxScore pruning).

    Strong terms go first. Before a long posting list, if even the best an
    unseen article could still gain cannot reach the current k-th score, the
    remaining terms only update the candidates that can still make the top k.
    """
    found.sort(key=lambda item: item[0], reverse=True)
    remaining = [0.0] * (len(found) + 1)
    for i in range(len(found) - 1, -1, -1):
        remaining[i] = remaining[i + 1] + found[i][0]
    scores: dict[int, float] = {}
    get = scores.get
    for i, (_, weight, posting) in enumerate(found):
        if len(posting.docs) > PRUNE_MIN_POSTINGS and len(scores) >= k:
            theta = heapq.nlargest(k, scores.values())[-1]
            if remaining[i] < theta:
                return _finish_candidates(scores, found[i:], theta - remaining[i])
        if weight == 1.0:
            for doc, val in zip(posting.docs, posting.vals):
                scores[doc] = get(doc, 0.0) + val
        else:
            for doc, val in zip(posting.docs, posting.vals):
                scores[doc] = get(doc, 0.0) + weight * val
    return scores


def _finish_candidates(
    scores: dict[int, float], rest: list[tuple[float, float, _Posting]], floor: float
) -> dict[int, float]:
    """Add the remaining terms to the articles whose partial score is at least `floor`."""
    out = {}
    for doc, score in scores.items():
        if score >= floor:
            for _, weight, posting in rest:
                score += weight * posting.table.get(doc, 0.0)
            out[doc] = score
    return out


def _terms(text: str) -> list[str]:
    """Return all index terms of a field."""
    words, bigrams = analyze(text)
    return words + bigrams


def _idf(n: int, df: int) -> float:
    """Return the BM25 inverse document frequency (always positive)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
