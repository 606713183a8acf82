"""Hybrid retrieval: sentence vectors for meaning, the BM25F index for exact words, fused into one ranking.

An article's vectors are one matrix: first each sentence of its answer (as
passages), then its title and each stored question (as queries, since a
customer's question is compared with other questions). An article's meaning
score is a soft maximum over its title and questions plus its best answer
sentence (customers often describe a detail only the answer mentions); the
lexical score is the BM25F score over the query's ceiling (0..1). The fused
score adds them; `Ranking.margin` is the lead of the best article over the
runner-up. Calibration (`calibration.py`) turns score and margin into
decisions for each knowledge base.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .intents import without_courtesy
from .retrieval import Article, Hit, Index
from .text import normalize

__all__ = ["ANSWER_WEIGHT", "LEXICAL_WEIGHT", "HybridIndex", "Ranking", "article_texts", "vector_key", "encode_articles"]

ANSWER_WEIGHT = 1.0  # the answer's sentences name the details a customer describes
LEXICAL_WEIGHT = 0.2  # exact words still tell neighbours apart
SOFTMAX_T = 0.02  # a soft maximum over questions: two close phrasings count a little more than one
LEXICAL_POOL = 50  # lexical candidates scored; the rest count as no lexical match


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])\s+")
MAX_SENTENCES = 12


def answer_sentences(answer: str) -> list[str]:
    """Split an answer into the sentences embedded one by one (at least one)."""
    parts = [p.strip() for p in _SENTENCE_END.split(answer) if p and p.strip()]
    if len(parts) > MAX_SENTENCES:  # keep the vector count bounded for very long answers
        parts = parts[: MAX_SENTENCES - 1] + [" ".join(parts[MAX_SENTENCES - 1 :])]
    return parts or [answer]


def article_texts(article: Article) -> tuple[list[str], list[str]]:
    """Return the answer sentences and the question-like texts (title first) an article is embedded from."""
    return answer_sentences(article.answer), [article.title, *article.questions]


def vector_key(encoder_name: str, article: Article) -> str:
    """Identify an article's vectors: the encoder and every text they were made from."""
    sentences, questions = article_texts(article)
    digest = hashlib.sha256("\x1f".join([encoder_name, *sentences, "\x1e", *questions]).encode()).hexdigest()
    return digest[:32]


def encode_articles(encoder, articles: Sequence[Article]) -> list[np.ndarray]:
    """Embed articles in batches; return one (sentences + 1 + questions, dim) matrix per article."""
    texts = [article_texts(a) for a in articles]
    passages = encoder.passages([s for sentences, _ in texts for s in sentences])
    units = encoder.queries([q for _, questions in texts for q in questions])
    out, p, u = [], 0, 0
    for sentences, questions in texts:
        out.append(np.vstack([passages[p : p + len(sentences)], units[u : u + len(questions)]]).astype(np.float32))
        p += len(sentences)
        u += len(questions)
    return out


@dataclass(frozen=True, slots=True)
class Ranking:
    """The best articles for one query, with the fused score of the first and its lead."""

    hits: tuple[Hit, ...]
    score: float
    margin: float
    language: str
    # (meaning score, its lead, lexical coverage, its lead) of the top article
    features: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @classmethod
    def empty(cls, language: str) -> Ranking:
        """No article ranked: none matched, or none had to be ranked."""
        return cls(hits=(), score=0.0, margin=0.0, language=language)


class HybridIndex:
    """Articles with their lexical index and vectors; immutable, safe to search from any thread."""

    def __init__(self, articles: Sequence[Article], matrices: Sequence[np.ndarray] | None) -> None:
        self.articles = list(articles)
        self.lexical = Index.build(self.articles)
        self.fingerprint = self.lexical.fingerprint
        self._by_id = {a.id: a for a in self.articles}
        self._position = {a.id: i for i, a in enumerate(self.articles)}
        langs = np.array([a.language or "" for a in self.articles])
        self._language_masks = {
            lang: (langs == lang) | (langs == "") for lang in ("zh", "en") if bool((langs == lang).any())
        }
        # Every stored phrasing (questions and title), normalised, with the articles that store it.
        self._phrasings: dict[str, list[Article]] = {}
        for article in self.articles:
            for phrasing in {_phrasing(p) for p in (*article.questions, article.title)} - {""}:
                self._phrasings.setdefault(phrasing, []).append(article)
        self.dense = matrices is not None and len(self.articles) > 0
        if self.dense:
            n_sentences = [len(answer_sentences(a.answer)) for a in self.articles]
            self._answers = np.vstack([m[:k] for m, k in zip(matrices, n_sentences)])
            self._units = np.vstack([m[k:] for m, k in zip(matrices, n_sentences)])
            self._answer_starts = _starts(n_sentences)
            self._starts = _starts([m.shape[0] - k for m, k in zip(matrices, n_sentences)])
            self.dim = int(self._units.shape[1])

    def __len__(self) -> int:
        return len(self.articles)

    def article(self, article_id: str) -> Article | None:
        """Return the article with this id, if indexed."""
        return self._by_id.get(article_id)

    def storing(self, query: str, *, language: str) -> Article | None:
        """The one article of the customer's language that stores this question word for word, if exactly one does.

        Case, width, punctuation, spacing and the courtesies around it aside ("你好，请问…吗？谢谢"); an
        article with no language serves both.
        """
        found = self._phrasings.get(_phrasing(query), ())
        if language in self._language_masks:
            found = [a for a in found if a.language in ("", None, language)]
        return found[0] if len(found) == 1 else None

    def components(self, query: str, vector: np.ndarray | None, *, language: str) -> tuple[np.ndarray, np.ndarray]:
        """Return every article's meaning score and lexical score (0..1); other languages get -inf."""
        n = len(self.articles)
        dense = np.zeros(n, dtype=np.float64)
        if self.dense and vector is not None:
            questions = np.logaddexp.reduceat((self._units @ vector) / SOFTMAX_T, self._starts) * SOFTMAX_T
            answers = np.maximum.reduceat(self._answers @ vector, self._answer_starts)
            dense += questions + ANSWER_WEIGHT * answers
        lexical = np.zeros(n, dtype=np.float64)
        hits = self.lexical.search(query, k=min(LEXICAL_POOL, n))
        if hits and hits.ceiling > 0:
            for hit in hits:
                lexical[self._position[hit.article_id]] = min(hit.score / hits.ceiling, 1.0)
        mask = self._language_masks.get(language)
        if mask is not None:
            dense[~mask] = -np.inf
        return dense, lexical

    def rank(self, query: str, vector: np.ndarray | None, *, language: str, k: int = 5) -> Ranking:
        """Return the k best articles in the customer's language (or any, if the KB has none in it)."""
        if not self.articles:
            return Ranking.empty(language)
        dense, lexical = self.components(query, vector, language=language)
        return ranking_from_components(dense, lexical, self.articles, language=language, k=k)


def _phrasing(text: str) -> str:
    return without_courtesy(normalize(text))


def _starts(counts: Sequence[int]) -> np.ndarray:
    """Offsets of consecutive blocks of the given sizes."""
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def _lead(values: np.ndarray, top: int) -> float:
    """How far one article's value stands above the best of the others."""
    if len(values) < 2:
        return float(values[top]) if len(values) else 0.0
    others = np.delete(values, top)
    best = float(others.max())
    return float(values[top]) - (best if np.isfinite(best) else 0.0)


def ranking_from_components(
    dense: np.ndarray, lexical: np.ndarray, articles: Sequence[Article], *, language: str, k: int
) -> Ranking:
    """Order articles by fused score; record the top one's score and leads in each signal."""
    fused = dense + LEXICAL_WEIGHT * lexical
    finite = np.isfinite(fused)
    if not finite.any():
        return Ranking.empty(language)
    take = min(max(k, 2), len(articles))
    order = np.argpartition(-fused, take - 1)[:take] if len(articles) > take else np.arange(len(articles))
    order = [int(i) for i in order[np.argsort(-fused[order], kind="stable")] if np.isfinite(fused[i])]
    hits = tuple(Hit(article_id=articles[i].id, score=float(fused[i]), title=articles[i].title) for i in order[:k])
    top = order[0]
    second = float(fused[order[1]]) if len(order) > 1 else 0.0
    features = (
        float(dense[top]), _lead(np.where(finite, dense, -np.inf), top),
        float(lexical[top]), _lead(np.where(finite, lexical, -np.inf), top),
    )
    return Ranking(hits=hits, score=float(fused[top]), margin=float(fused[top]) - second, language=language,
                   features=features)
