"""Exports that stream: one CSV row per conversation, or every transcript as JSON, in constant memory."""

import csv
import json

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import StreamingHttpResponse
from django.utils import timezone

from chat.media_urls import signed_url
from chat.models import Message

from .metrics import with_timings

CHUNK = 2000
# Excel shows UTF-8 (Chinese names and comments) only when the file starts with a byte order mark.
BOM = "\ufeff"
# A cell starting with one of these is run as a formula by spreadsheet programs
# (=HYPERLINK(...) in a rating comment would become a live link); full-width
# forms included, which some locales treat the same.
FORMULA_STARTS = tuple("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
COLUMNS = [
    "id", "customer", "status", "agent", "opened_at", "closed_at", "wait_s", "first_response_s", "duration_s",
    "rating", "rating_comment", "tags", "pictures",
]


class _Echo:
    """A file-like object whose write returns what it was given, for csv.writer."""

    def write(self, value):
        return value


def _iso(value):
    return value.isoformat() if value else ""


def _secs(value):
    return round(value.total_seconds()) if value is not None else ""


def _buffered(pieces, size=64 * 1024):
    """Join small pieces into chunks of about `size` characters, so each send carries more."""
    buffer, length = [], 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def safe_cell(value):
    """Return a text cell a spreadsheet shows as text: a leading formula character gets a quote before it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_rows(queryset):
    """Yield the CSV text of one row per conversation, after a byte order mark; every text cell is formula-safe."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(COLUMNS)
    # How many pictures the conversation holds: a subquery, so no join multiplies the rows.
    pictures = (Message.objects.filter(conversation=OuterRef("pk"), media__isnull=False).order_by()
                .values("conversation").annotate(n=Count("pk")).values("n"))
    rows = (with_timings(queryset.order_by("pk")).select_related("customer").prefetch_related("tags")
            .annotate(pictures=Coalesce(Subquery(pictures), 0)))
    for c in rows.iterator(chunk_size=CHUNK):
        yield writer.writerow([safe_cell(cell) for cell in (
            c.pk, str(c.customer), c.status, c.agent_name, _iso(c.opened_at), _iso(c.closed_at), _secs(c.wait_time),
            _secs(c.first_response), _secs(c.duration), c.rating or "", c.rating_comment,
            " ".join(t.name for t in c.tags.all()), c.pictures,
        )])


# Signed links in an export stay valid this long: it is read later, away from the site.
EXPORT_LINK_TTL_S = 7 * 86400


def _picture(media):
    """A picture in an export: its type and size, and a signed link (none once a check refused it)."""
    picture = {"mime": media.mime, "width": media.width, "height": media.height, "refused": media.refused}
    if not media.refused:
        picture["url"] = signed_url(media.name, ttl=EXPORT_LINK_TTL_S)
    return picture


def _entry(message):
    entry = {
        "seq": message.seq, "sender": message.sender, "sender_name": message.sender_name, "note": message.is_note, "refused": message.refused,
        "text": message.text, "at": _iso(message.created_at),
    }
    if message.media_id is not None:
        entry["picture"] = _picture(message.media)
    return entry


def json_transcripts(queryset):
    """Yield a JSON array of conversations with their messages and notes.

    Two cursors walk conversations and messages side by side in conversation
    order, so neither list is ever held whole.
    """
    conversations = queryset.order_by("pk").select_related("customer").iterator(chunk_size=CHUNK)
    messages = iter(
        Message.objects.filter(conversation__in=queryset.order_by().values("pk"))
        .select_related("media")
        .order_by("conversation_id", "created_at", "pk")
        .iterator(chunk_size=CHUNK)
    )
    pending = next(messages, None)
    yield '{"exported_at": %s, "conversations": [' % json.dumps(_iso(timezone.now()))
    for index, c in enumerate(conversations):
        entries = []
        while pending is not None and pending.conversation_id <= c.pk:
            if pending.conversation_id == c.pk:
                entries.append(_entry(pending))
            pending = next(messages, None)
        record = {
            "id": c.pk, "customer": str(c.customer), "status": c.status, "agent": c.agent_name,
            "opened_at": _iso(c.opened_at), "closed_at": _iso(c.closed_at), "rating": c.rating,
            "rating_comment": c.rating_comment, "messages": entries,
        }
        yield ("," if index else "") + json.dumps(record, ensure_ascii=False)
    yield "]}\n"


def streamed(pieces, *, content_type, filename):
    """Return a download response that sends `pieces` as they are produced."""
    response = StreamingHttpResponse(_buffered(pieces), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_csv(queryset):
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return streamed(csv_rows(queryset), content_type="text/csv; charset=utf-8", filename=f"conversations-{stamp}.csv")


def export_json(queryset):
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return streamed(json_transcripts(queryset), content_type="application/json", filename=f"transcripts-{stamp}.json")
