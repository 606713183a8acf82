"""Article vectors: stored as float16 bytes, recomputed only for articles whose text or encoder changed."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .calibration import METHOD, Calibration, calibrate
from .encoder import EncoderError
from .hybrid import HybridIndex, encode_articles, vector_key
from .retrieval import Article

log = logging.getLogger(__name__)

__all__ = ["Prepared", "to_bytes", "from_bytes", "prepare", "calibrated"]

_HEADER = np.dtype("<u4")


def to_bytes(matrix: np.ndarray) -> bytes:
    """Pack a (rows, dim) matrix as its shape then float16 values."""
    rows, dim = matrix.shape
    return np.array([rows, dim], dtype=_HEADER).tobytes() + matrix.astype("<f2").tobytes()


def from_bytes(blob: bytes | memoryview) -> np.ndarray:
    """Unpack a matrix packed by `to_bytes` as float32."""
    blob = bytes(blob)
    rows, dim = (int(x) for x in np.frombuffer(blob[:8], dtype=_HEADER))
    values = np.frombuffer(blob[8:], dtype="<f2")
    if values.size != rows * dim:
        raise ValueError("stored vectors are truncated")
    return values.reshape(rows, dim).astype(np.float32)


@dataclass
class Prepared:
    """An index ready to serve, the vectors it used, and those that must be stored."""

    index: HybridIndex
    matrices: list[np.ndarray] | None
    encoder_name: str = ""
    new_vectors: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def prepare(articles: Sequence[Article], stored: Mapping[str, tuple[str, bytes | None]], encoder) -> Prepared:
    """Build the hybrid index, embedding only the articles whose stored vectors are missing or stale.

    Without an encoder, or when it fails, the index is lexical only: answers
    still come, calibrated for the lexical scores.
    """
    articles = list(articles)
    if encoder is None:
        return Prepared(HybridIndex(articles, None), None)
    matrices: dict[str, np.ndarray] = {}
    stale: list[Article] = []
    for article in articles:
        key = vector_key(encoder.name, article)
        stored_key, blob = stored.get(article.id, ("", None))
        if stored_key == key and blob:
            try:
                matrices[article.id] = from_bytes(blob)
                continue
            except ValueError:
                pass
        stale.append(article)
    new: dict[str, tuple[str, bytes]] = {}
    if stale:
        try:
            for article, matrix in zip(stale, encode_articles(encoder, stale)):
                matrices[article.id] = matrix
                new[article.id] = (vector_key(encoder.name, article), to_bytes(matrix))
        except EncoderError as exc:
            log.warning("embedding articles failed; answering from words alone", extra={"error": str(exc)})
            return Prepared(HybridIndex(articles, None), None)
    ordered = [matrices[a.id] for a in articles]
    return Prepared(HybridIndex(articles, ordered), ordered, encoder.name, new)


_recent: dict[str, Calibration] = {}
RECENT_CALIBRATIONS = 8


def calibrated(prepared: Prepared, encoder, stored: Mapping | None) -> tuple[Calibration, bool]:
    """Return the calibration for a prepared index, reusing a stored one; True when it is new.

    A process also remembers the last few by content, so re-importing the same
    articles (a restore, a test's fresh database) does not calibrate again.
    """
    if stored:
        calibration = Calibration.from_dict(dict(stored))
        if calibration.fingerprint == prepared.index.fingerprint and calibration.method == METHOD:
            return calibration, False
    content = _content_key(prepared)
    remembered = _recent.get(content)
    if remembered is None:
        remembered = calibrate(prepared.index, prepared.matrices, encoder if prepared.matrices is not None else None)
        while len(_recent) >= RECENT_CALIBRATIONS:
            _recent.pop(next(iter(_recent)))
        _recent[content] = remembered
    return replace(remembered, fingerprint=prepared.index.fingerprint), True


def _content_key(prepared: Prepared) -> str:
    digest = hashlib.sha256(prepared.encoder_name.encode())
    for article in prepared.index.articles:
        parts = [article.id, article.title, *article.questions, "\x1e", article.answer, article.language]
        digest.update("\x1f".join(parts).encode() + b"\x1d")
    return digest.hexdigest()
