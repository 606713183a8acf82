"""The knowledge base in the database: what the index is built from, its version, imports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Q

from ..models import Article as ArticleRow
from ..models import KnowledgeCalibration
from .formats import Entry
from .retrieval import Article

__all__ = [
    "ImportResult", "kb_version", "indexed_articles", "import_entries", "export_entries", "stored_vectors",
    "save_vectors", "stored_calibration", "latest_calibration", "save_calibration", "popular_articles",
]

FIELDS = ("title", "questions", "answer", "tags", "language", "enabled")


def kb_version() -> tuple:
    """Return a cheap stamp that changes whenever an article is added, edited, toggled or deleted.

    Every edit through a model save moves `updated_at` (auto_now); a delete
    changes the count. One aggregate query, cheap enough to ask every few seconds.
    """
    stamp = ArticleRow.objects.aggregate(
        total=Count("id"), enabled=Count("id", filter=Q(enabled=True)), latest=Max("updated_at")
    )
    latest = stamp["latest"].isoformat() if stamp["latest"] else ""
    return (stamp["total"], stamp["enabled"], latest)


def indexed_articles() -> tuple[tuple, list[Article]]:
    """Return the version and the enabled articles, read in one transaction."""
    with transaction.atomic():
        version = kb_version()
        rows = ArticleRow.objects.filter(enabled=True).order_by("slug")
        articles = [
            Article(id=r.slug, title=r.title, questions=list(r.questions), answer=r.answer, tags=list(r.tags),
                    updated=r.updated_at.isoformat(), language=r.language)
            for r in rows
        ]
    return version, articles


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    deleted: int


@transaction.atomic
def import_entries(entries: list[Entry], *, replace: bool = False) -> ImportResult:
    """Upsert validated entries by id in one transaction; with replace, delete every other article."""
    existing = {row.slug: row for row in ArticleRow.objects.select_for_update()}
    created = updated = unchanged = 0
    for entry in entries:
        values = {"title": entry.title, "questions": entry.questions, "answer": entry.answer, "tags": entry.tags,
                  "language": entry.language, "enabled": entry.enabled}
        row = existing.get(entry.slug)
        if row is None:
            ArticleRow.objects.create(slug=entry.slug, **values)
            created += 1
        elif any(getattr(row, name) != values[name] for name in FIELDS):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()  # moves updated_at, so every process rebuilds its index
            updated += 1
        else:
            unchanged += 1  # untouched, so an idempotent load triggers no rebuild
    deleted = 0
    if replace:
        keep = {entry.slug for entry in entries}
        deleted, _ = ArticleRow.objects.exclude(slug__in=keep).delete()
    return ImportResult(created=created, updated=updated, unchanged=unchanged, deleted=deleted)


def export_entries() -> list[Entry]:
    """Return every article, enabled or not, as entries ordered by id."""
    return [
        Entry(slug=r.slug, title=r.title, answer=r.answer, questions=list(r.questions), tags=list(r.tags),
              language=r.language, enabled=r.enabled)
        for r in ArticleRow.objects.order_by("slug")
    ]


def stored_vectors() -> dict[str, tuple[str, bytes | None]]:
    """Return each enabled article's vector key and packed vectors."""
    rows = ArticleRow.objects.filter(enabled=True).values_list("slug", "vectors_key", "vectors")
    return {slug: (key, bytes(blob) if blob is not None else None) for slug, key, blob in rows}


def save_vectors(vectors: dict[str, tuple[str, bytes]]) -> None:
    """Store freshly computed vectors; an update, so `updated_at` (the KB version) stays put."""
    for slug, (key, blob) in vectors.items():
        ArticleRow.objects.filter(slug=slug).update(vectors_key=key, vectors=blob)


def stored_calibration(fingerprint: str, encoder: str) -> dict | None:
    """Return the calibration computed for this knowledge-base version and encoder, if any."""
    row = KnowledgeCalibration.objects.filter(fingerprint=fingerprint, encoder=encoder).first()
    return row.data if row else None


def latest_calibration() -> KnowledgeCalibration | None:
    """Return the most recently computed calibration (the admin shows it)."""
    return KnowledgeCalibration.objects.order_by("-created_at", "-pk").first()


KEEP_CALIBRATIONS = 20


@transaction.atomic
def save_calibration(fingerprint: str, encoder: str, data: dict) -> None:
    """Store a calibration, keeping the most recent few."""
    KnowledgeCalibration.objects.update_or_create(fingerprint=fingerprint, encoder=encoder, defaults={"data": data})
    old = KnowledgeCalibration.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)[KEEP_CALIBRATIONS:]
    KnowledgeCalibration.objects.filter(pk__in=list(old)).delete()


def popular_articles(*, days: int = 30, limit: int = 50) -> list[str]:
    """Return the slugs the bot answered with most over the last `days`, most answered first."""
    from datetime import timedelta

    from django.utils import timezone

    from ..models import BotTurn

    since = timezone.now() - timedelta(days=days)
    rows = (
        BotTurn.objects.filter(created_at__gte=since).exclude(article="")
        .values("article").annotate(n=Count("id")).order_by("-n", "article")[:limit]
    )
    return [r["article"] for r in rows]
