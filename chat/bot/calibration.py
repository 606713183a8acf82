"""Choose the answer / suggest thresholds from the knowledge base itself, with no hand labels.

The knowledge base already says what customers ask and what it does not cover:
- *positives*: each stored question, held out of its article (two folds), asked
  against the rest: the right article should come first;
- *hard negatives*: each article held out whole (five folds), its questions and
  title asked against the others: whatever comes first is the wrong article, as
  for a same-trade question the knowledge base does not cover;
- *easy negatives*: a built-in set of chit-chat and other trades' questions.
A held-out question ranked under the wrong article is a negative too. The bot
answers when the fused score and the lead over the runner-up both clear a pair
of floors; the pair chosen answers no negative at all and as many positives as
possible, with a safety step above the highest negative, since real customers
write less tidily than stored questions.

`METHOD` names the rule; a stored calibration made by another rule is computed
again, so a new rule takes effect on the next start without a re-import.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .hybrid import HybridIndex, answer_sentences
from .intents import detect_language
from .retrieval import Article

__all__ = ["METHOD", "Calibration", "Sample", "calibrate", "samples", "out_of_scope_questions", "choose"]

OUT_OF_SCOPE_PATH = Path(__file__).with_name("data") / "out_of_scope.json"
QUESTION_FOLDS = 2
ARTICLE_FOLDS = 5
# How far above the highest chit-chat question with a large lead the answer
# floor sits, in fused-score units (a fused score spans about 1.3-2.1).
SAFETY = 0.02
MIN_POSITIVES = 8  # below this the knowledge base cannot vouch for any answer
# 2: the pair of floors answers no negative at all. (1 let the 3% of
# held-out-article negatives with the largest leads through: same-trade
# questions a base does not cover were then answered with a neighbour.)
METHOD = 2
NEVER = 1e9  # a floor no score reaches (JSON has no infinity)
SUGGEST_CHIT_CHAT = 25  # percentile of chit-chat scores from which titles are offered
CHIT_CHAT_FLOOR = 75  # percentile of chit-chat scores an answer must beat whatever its lead


@dataclass(frozen=True, slots=True)
class Sample:
    """One calibration query: its top fused score, lead, and whether answering it would be right."""

    score: float
    margin: float
    right: bool
    source: str  # "held-out question", "held-out article", "out of scope"
    features: tuple[float, ...] = ()


@dataclass(frozen=True)
class Calibration:
    """Decision floors for one knowledge base, with the evidence they came from."""

    answer_score: float
    answer_margin: float
    suggest_score: float
    positives: int = 0
    negatives: int = 0
    covered: int = 0  # positives the floors answer
    fingerprint: str = ""
    encoder: str = ""
    stats: dict = field(default_factory=dict)
    method: int = 1  # stored before the field existed: the first rule

    @property
    def coverage(self) -> float:
        return self.covered / self.positives if self.positives else 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    @classmethod
    def never(cls, **extra) -> Calibration:
        """Floors that answer nothing: a knowledge base too small to vouch for itself."""
        return cls(answer_score=NEVER, answer_margin=NEVER, suggest_score=0.0, method=METHOD, **extra)


def out_of_scope_questions() -> list[str]:
    """Return the built-in questions no knowledge base answers."""
    with open(OUT_OF_SCOPE_PATH, encoding="utf-8") as fh:
        return list(json.load(fh)["questions"])


def _subset(article: Article, keep: Sequence[int]) -> Article:
    return Article(id=article.id, title=article.title, questions=[article.questions[j] for j in keep],
                   answer=article.answer, tags=article.tags, updated=article.updated, language=article.language)


def _title_row(article: Article) -> int:
    """Where an article's title sits in its matrix (after the answer sentences)."""
    return len(answer_sentences(article.answer))


def _question_rows(article: Article, matrix: np.ndarray | None, keep: Sequence[int]) -> np.ndarray | None:
    """Rows of an article matrix for the answer, the title and the kept questions."""
    if matrix is None:
        return None
    title = _title_row(article)
    return matrix[[*range(title + 1), *[title + 1 + j for j in keep]]]


def samples(articles: Sequence[Article], matrices: Sequence[np.ndarray] | None, encoder=None) -> list[Sample]:
    """Return positives and negatives drawn from the knowledge base and the built-in out-of-scope set."""
    articles = list(articles)
    out: list[Sample] = []
    dense = matrices is not None

    for fold in range(QUESTION_FOLDS):
        kept, asked = [], []
        for i, art in enumerate(articles):
            keep = [j for j in range(len(art.questions)) if j % QUESTION_FOLDS != fold]
            kept.append(keep)
            asked.extend((i, j) for j in range(len(art.questions)) if j % QUESTION_FOLDS == fold)
        index = HybridIndex([_subset(a, k) for a, k in zip(articles, kept)],
                            [_question_rows(a, m, k) for a, m, k in zip(articles, matrices, kept)] if dense else None)
        for i, j in asked:
            text = articles[i].questions[j]
            vector = matrices[i][_title_row(articles[i]) + 1 + j] if dense else None
            ranking = index.rank(text, vector, language=detect_language(text), k=2)
            if ranking.top is not None:
                right = ranking.top.article_id == articles[i].id
                out.append(Sample(ranking.score, ranking.margin, right, "held-out question", ranking.features))

    for fold in range(ARTICLE_FOLDS):
        rest = [i for i in range(len(articles)) if i % ARTICLE_FOLDS != fold]
        gone = [i for i in range(len(articles)) if i % ARTICLE_FOLDS == fold]
        if len(rest) < 2 or not gone:
            continue
        index = HybridIndex([articles[i] for i in rest], [matrices[i] for i in rest] if dense else None)
        for i in gone:
            texts = [articles[i].title, *articles[i].questions]
            for row, text in enumerate(texts):
                vector = matrices[i][_title_row(articles[i]) + row] if dense else None
                ranking = index.rank(text, vector, language=detect_language(text), k=2)
                if ranking.top is not None:
                    out.append(Sample(ranking.score, ranking.margin, False, "held-out article", ranking.features))

    if articles:
        full = HybridIndex(articles, list(matrices) if dense else None)
        questions = out_of_scope_questions()
        vectors = encoder.queries(questions) if (dense and encoder is not None) else [None] * len(questions)
        for text, vector in zip(questions, vectors):
            ranking = full.rank(text, vector, language=detect_language(text), k=2)
            if ranking.top is not None:
                out.append(Sample(ranking.score, ranking.margin, False, "out of scope", ranking.features))
    return out


def choose(found: Sequence[Sample], *, safety: float = SAFETY) -> tuple[float, float, float, int]:
    """Return (answer score floor, margin floor, suggest floor, positives covered).

    Every candidate lead floor is tried (zero and each negative's lead); for
    each, the score floor is set `safety` above the best-scoring negative that
    still clears that lead, so no negative is answered, and never below three
    quarters of chit-chat. The pair that answers the most positives wins; on a
    tie, the higher lead floor, which leaves more room for untidy questions.
    """
    positives = [s for s in found if s.right]
    negatives = [s for s in found if not s.right]
    if len(positives) < MIN_POSITIVES or not negatives:
        return NEVER, NEVER, 0.0, 0
    chit_chat = [s.score for s in negatives if s.source == "out of scope"]
    typical = float(np.percentile(chit_chat, CHIT_CHAT_FLOOR)) if chit_chat else 0.0
    by_margin = sorted(negatives, key=lambda s: s.margin)
    # The best score among negatives whose lead is at least each one's own lead.
    suffix_best = np.maximum.accumulate([s.score for s in reversed(by_margin)])[::-1]
    pos_score = np.array([s.score for s in positives])
    pos_margin = np.array([s.margin for s in positives])
    best = (NEVER, NEVER, -1)
    candidates = [(0.0, float(suffix_best[0]))]
    # Just above each negative's lead, only the negatives with a larger lead remain.
    candidates += [(float(np.nextafter(n.margin, np.inf)), float(suffix_best[i + 1]) if i + 1 < len(by_margin) else -np.inf)
                   for i, n in enumerate(by_margin)]
    for margin, rival in candidates:
        floor = max(rival + safety, typical)
        covered = int(np.sum((pos_score >= floor) & (pos_margin >= margin)))
        if covered > best[2] or (covered == best[2] and margin > best[1] and covered > 0):
            best = (floor, margin, covered)
    floor, margin, covered = best if best[2] > 0 else (NEVER, NEVER, 0)
    # Suggestions cost little: offer them unless the question scores like most chit-chat.
    low_positive = float(np.percentile(pos_score, 2))
    suggest = min(low_positive, float(np.percentile(chit_chat, SUGGEST_CHIT_CHAT))) if chit_chat else low_positive
    return floor, margin, min(suggest, floor), covered


def calibrate(index: HybridIndex, matrices: Sequence[np.ndarray] | None, encoder=None) -> Calibration:
    """Compute the decision floors for an index (and the vectors it was built from)."""
    found = samples(index.articles, matrices, encoder)
    answer_score, answer_margin, suggest, covered = choose(found)
    positives = sum(1 for s in found if s.right)
    by_source: dict[str, int] = {}
    for s in found:
        by_source[s.source] = by_source.get(s.source, 0) + 1
    stats = {"samples": by_source, "ranked_first": positives,
             "held_out_questions": by_source.get("held-out question", 0)}
    return Calibration(answer_score=answer_score, answer_margin=answer_margin, suggest_score=suggest,
                       positives=positives, negatives=len(found) - positives, covered=covered,
                       fingerprint=index.fingerprint, encoder=getattr(encoder, "name", "") if matrices else "",
                       stats=stats, method=METHOD)
