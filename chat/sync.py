"""Read paths that bring a client up to date: welcome pages, resume, history, catch-up."""

import json
from dataclasses import dataclass, field

from django.conf import settings

from . import sql
from .actions.core import open_conversation
from .actions.queue import queue_position
from .models import Conversation, Media, Message
from .presenters import message_frame, status_frame


@dataclass
class Welcome:
    conversation: Conversation
    recovered: bool
    frames: list = field(default_factory=list)  # replay: messages, and status of a closed one
    status: dict | None = None


def visible_messages(conversation_id):
    return Message.objects.filter(conversation_id=conversation_id, is_note=False)


def _media_join(alias):
    """Columns and LEFT JOIN that bring each message's picture in the same statement as the message."""
    return f", {sql.columns(Media, 'p')}", f" LEFT JOIN {sql.table(Media)} p ON p.id = {alias}.media_id"


def _with_media(rows):
    """Messages from rows of `columns(Message)` followed by `columns(Media)`, each with its picture attached."""
    width = len(Message._meta.concrete_fields)
    messages = sql.instances(Message, [row[:width] for row in rows])
    pictures = iter(sql.instances(Media, [row[width:] for row in rows if row[width] is not None]))
    for message, row in zip(messages, rows):
        if row[width] is not None:
            message.media = next(pictures)
    return messages


def messages_after(conversation_id, after_seq, *, limit=None, upto=None):
    """Return message frames with seq > after_seq (and <= upto), oldest first.

    Plain SQL (see `chat.sql`): every poll and every catch-up reads through
    here, and compiling the ORM query cost more than running it. Pictures
    come in the same statement, so a page of them costs what a page of text does.
    """
    media_columns, join = _media_join("m")
    statement = (f"SELECT {sql.columns(Message, 'm')}{media_columns} FROM {sql.table(Message)} m{join}"
                 " WHERE m.conversation_id = %s AND m.is_note = %s AND m.seq > %s")
    params = [conversation_id, False, after_seq]
    if upto is not None:
        statement += " AND m.seq <= %s"
        params.append(upto)
    statement += " ORDER BY m.seq"
    if limit is not None:
        statement += " LIMIT %s"
        params.append(limit)
    return [message_frame(m) for m in _with_media(sql.rows(statement, params))]


def frame_bytes(frame):
    """Return the size of a frame as JSON on the wire (protobuf is smaller)."""
    return len(json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode())


def newest_within(frames, max_bytes):
    """Return the newest frames (oldest first) whose sizes add up to at most max_bytes; never none of one."""
    total, kept = 0, 0
    for frame in reversed(frames):
        total += frame_bytes(frame)
        if total > max_bytes and kept:
            break
        kept += 1
    return frames[len(frames) - kept:]


def _stored_bytes(connection_vendor):
    """SQL for the bytes a message row's strings take, a lower bound of its frame's size on the wire."""
    length = "octet_length({})" if connection_vendor == "postgresql" else "length(CAST({} AS BLOB))"
    return " + ".join(f"COALESCE({length.format(c)}, 0)" for c in ("text", "sender_name", "client_msg_id", "stream_id"))


def page_before(conversation_id, before_seq, limit, max_bytes=None):
    """Return up to `limit` message frames before `before_seq` (0: the end), oldest first.

    With `max_bytes`, the oldest of them are left out until the page fits: the
    client asks again before the first seq it got. The database adds up the
    rows' sizes and sends only the rows that can fit, so a page of a hundred
    long messages costs this process the bytes of one answer, not of a
    hundred rows (hostile clients ask for such pages at the rate limit).
    """
    if max_bytes is None:
        return _page(conversation_id, before_seq, limit)
    size = _stored_bytes(sql.vendor())
    # `upto_bytes` is what a row's strings and those of the newer rows take:
    # past the budget, that row's frame cannot fit, nor can any older one's.
    # The newest row always goes, whatever its size.
    media_columns, join = _media_join("page")
    statement = (
        f"SELECT {sql.columns(Message, 'page')}{media_columns} FROM ("
        f" SELECT *, SUM({size}) OVER newest_first AS upto_bytes, ROW_NUMBER() OVER newest_first AS nth"
        f" FROM {sql.table(Message)} WHERE conversation_id = %s AND is_note = %s"
        + (" AND seq < %s" if before_seq else "")
        + " WINDOW newest_first AS (ORDER BY seq DESC ROWS UNBOUNDED PRECEDING)"
        f" ORDER BY seq DESC LIMIT %s) AS page{join} WHERE nth = 1 OR upto_bytes <= %s ORDER BY page.seq"
    )
    params = [conversation_id, False] + ([before_seq] if before_seq else []) + [limit, max_bytes]
    frames = [message_frame(m) for m in _with_media(sql.rows(statement, params))]
    return newest_within(frames, max_bytes)  # the exact cut, on the frames as they will be sent


def _page(conversation_id, before_seq, limit):
    qs = visible_messages(conversation_id).select_related("media")
    if before_seq:
        qs = qs.filter(seq__lt=before_seq)
    rows = list(qs.order_by("-seq")[:limit])
    return [message_frame(m) for m in reversed(rows)]


def replay_bytes(conversation_id, after_seq):
    """Return at least how many bytes the messages after `after_seq` take, without reading them."""
    statement = (f"SELECT COALESCE(SUM({_stored_bytes(sql.vendor())}), 0) FROM {sql.table(Message)}"
                 " WHERE conversation_id = %s AND is_note = %s AND seq > %s")
    return sql.rows(statement, [conversation_id, False, after_seq])[0][0]


def _resume_point(customer, resume, current):
    """Return the conversation a resume can be honoured in, or None."""
    if not resume or resume.get("conversation_id") is None:
        return None
    if str(resume["conversation_id"]) == str(current.pk):
        conversation = current  # the usual case: no second read of the same row
    else:
        conversation = Conversation.objects.filter(customer=customer, pk=resume["conversation_id"]).first()
    if conversation is None:
        return None
    last_seq = resume["last_seq"]
    if last_seq > conversation.last_seq or conversation.last_seq - last_seq > settings.CSBOT_REPLAY_WINDOW:
        return None
    return conversation


def prepare_welcome(*, customer, resume=None):
    """Return what `hello` is answered with: the open conversation and the frames to send."""
    current = open_conversation(customer=customer)
    resumed = _resume_point(customer, resume, current)
    frames = None
    if resumed is not None and replay_bytes(resumed.pk, resume["last_seq"]) <= settings.CSBOT_PAGE_MAX_BYTES:
        # Checked before reading: a replay of a thousand long messages would be read only to be refused.
        frames = messages_after(resumed.pk, resume["last_seq"])
        if resumed.pk != current.pk:
            # It closed while the client was away: say so, then show the new one.
            frames.append(status_frame(resumed))
            frames += messages_after(current.pk, 0)
        if sum(map(frame_bytes, frames)) > settings.CSBOT_PAGE_MAX_BYTES:
            frames = None  # beyond the replay window in bytes: the latest page, and history for the rest
    welcome = Welcome(conversation=current, recovered=frames is not None)
    welcome.frames = frames if frames is not None else page_before(
        current.pk, 0, settings.CSBOT_PAGE_SIZE, max_bytes=settings.CSBOT_PAGE_MAX_BYTES
    )
    welcome.status = status_frame(current, queue_position(current))
    return welcome


def conversation_heads(conversation_ids):
    """Return {id: (last_seq, status frame)} for the given conversations."""
    rows = Conversation.objects.filter(pk__in=conversation_ids)
    return {c.pk: (c.last_seq, status_frame(c, queue_position(c) if c.status == "queued" else None)) for c in rows}


def earlier_page(customer_id, conversation_id, before_seq, limit):
    """Return the page before a point of a customer's record, reaching back into earlier conversations.

    Before `before_seq` in `conversation_id` when there is anything; else the
    last page of the customer's previous conversation that has messages. A
    conversation of another customer reads as nothing.
    """
    mine = Conversation.objects.filter(customer_id=customer_id)
    if conversation_id is not None and before_seq > 1 and mine.filter(pk=conversation_id).exists():
        target = conversation_id
    else:
        older = mine.filter(last_seq__gt=0)
        if conversation_id is not None:
            older = older.filter(pk__lt=conversation_id)
        target = older.order_by("-pk").values_list("pk", flat=True).first()
        before_seq = 0
    if target is None:
        return {"conversation_id": None, "messages": [], "more": False}
    messages = page_before(target, before_seq, limit)
    first = messages[0]["seq"] if messages else 1
    more = first > 1 or mine.filter(pk__lt=target, last_seq__gt=0).exists()
    return {"conversation_id": str(target), "messages": messages, "more": more}
