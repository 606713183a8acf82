"""Build every server frame sent to a customer or an agent's console, from rows or from values.

The contract (docs/protocol.md) fixes each frame's fields and when an
optional one is left out; the JSON and protobuf codecs encode these dicts as
they are. No other module writes a server frame's dict
(tests/chat/protocol/test_server_frames.py): the shape of each frame is here.
"""

from django.conf import settings

from .media_urls import media_summary


def ms(dt):
    """Return a datetime as integer milliseconds since the epoch."""
    return int(dt.timestamp() * 1000)


# --- frames a customer is sent ---------------------------------------------


def message_frame(message):
    """Return a stored message (or a note, for staff) as the `message` frame."""
    frame = {
        "type": "message",
        "msg_id": str(message.pk),
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "sender": message.sender,
        "text": message.text,
        "ts": ms(message.created_at),
    }
    if message.sender_name:
        frame["sender_name"] = message.sender_name
    if message.client_msg_id:
        frame["client_msg_id"] = message.client_msg_id
    if message.stream_id:
        frame["stream_id"] = message.stream_id
    if message.media_id is not None and not message.media.refused:
        # Loaded with the message (select_related or a join), never one query per picture.
        # A picture a content check refused later has no files left: only staff hear of it.
        frame["media"] = media_summary(message.media)
    if message.refused:  # only staff are ever sent these
        frame["refused"] = True
    return frame


def ack_frame(message):
    """Return the `ack` of a customer's stored message."""
    return {
        "type": "ack",
        "client_msg_id": message.client_msg_id,
        "msg_id": str(message.pk),
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "ts": ms(message.created_at),
    }


def status_frame(conversation, queue_position=None):
    """Return a conversation's `status`, with the queue position while it waits."""
    frame = {"type": "status", "conversation_id": str(conversation.pk), "status": conversation.status}
    if queue_position is not None:
        frame["queue_position"] = queue_position
    if conversation.agent_name and conversation.status == "agent":
        frame["agent_name"] = conversation.agent_name
    return frame


def conversation_summary(conversation):
    """Return the conversation as `welcome` names it (a part of a frame, not a frame)."""
    summary = {"id": str(conversation.pk), "status": conversation.status}
    if conversation.agent_name and conversation.status == "agent":
        summary["agent_name"] = conversation.agent_name
    return summary


def welcome_frame(welcome, *, heartbeat_s, max_frame_bytes, server_time):
    """Return the `welcome` that answers a customer's hello (`welcome` is a `chat.sync.Welcome`)."""
    return {
        "type": "welcome",
        "conversation": conversation_summary(welcome.conversation),
        "last_seq": welcome.conversation.last_seq,
        "heartbeat_s": heartbeat_s,
        "max_frame_bytes": max_frame_bytes,
        "max_media_bytes": settings.CSBOT_MAX_MEDIA_BYTES,
        "compress": ["snappy"],
        "recovered": welcome.recovered,
        "server_time": server_time,
    }


def synced_frame(last_seq):
    """Return `synced`: the customer has every message up to `last_seq`."""
    return {"type": "synced", "last_seq": last_seq}


def history_frame(messages):
    """Return a page of older `message` frames."""
    return {"type": "history", "messages": messages}


def rated_frame(conversation_id, score):
    return {"type": "rated", "conversation_id": str(conversation_id), "score": score}


def receipt_frame(seq):
    """Return the `receipt` that says the agent read up to `seq`."""
    return {"type": "receipt", "seq": seq}


def typing_frame(sender):
    return {"type": "typing", "sender": sender}


def stream_frame(conversation_id, stream_id, index, delta):
    """Return one piece of an answer the bot is still writing."""
    return {"type": "stream", "conversation_id": str(conversation_id), "stream_id": stream_id, "index": index,
            "delta": delta}


def pong_frame(ts):
    """Return the customer's `pong`, echoing the ping's `ts` when it had one."""
    frame = {"type": "pong"}
    if ts is not None:
        frame["ts"] = ts
    return frame


def kick_frame(reason):
    """Return the `kick` sent before the server closes the socket for `reason`."""
    return {"type": "kick", "reason": reason}


def error_frame(code, message, client_msg_id=None):
    """Return the customer's `error`, naming the message it refused when there is one."""
    frame = {"type": "error", "code": str(code), "message": message}
    if client_msg_id is not None:
        frame["client_msg_id"] = client_msg_id
    return frame


# --- frames an agent's console is sent ---------------------------------------


def console_welcome_frame(*, user_id, name, canned, server_time):
    return {"type": "welcome", "me": {"id": user_id, "name": name}, "canned": canned, "server_time": server_time}


def console_synced_frame():
    return {"type": "synced"}


def console_pong_frame(ts):
    """Return the console's `pong`: `ts` always present, null when the ping had none."""
    return {"type": "pong", "ts": ts}


def console_error_frame(code, message):
    return {"type": "error", "code": str(code), "message": message}


def refused_frame(code, message, ref):
    """Return the `error` that answers a refused command, with the command's `ref`."""
    return {"type": "error", "code": str(code), "message": message, "ref": ref}


def done_frame(ref, command):
    """Return `done`: the command with this `ref` ran."""
    return {"type": "done", "ref": ref, "command": command}


def assigned_frame(row):
    """Return `assigned`: a conversation (a row of the lists) is this agent's to answer."""
    return {"type": "assigned", "conversation": row}


def viewers_frame(conversation_id, viewers):
    return {"type": "viewers", "conversation_id": str(conversation_id), "viewers": viewers}


def lists_frame(*, me, queue, mine, bot, others, agents, canned):
    """Return the console's lists: the queue, my conversations, the bot's, the others' and the agents."""
    return {"type": "lists", "me": me, "queue": queue, "mine": mine, "bot": bot, "others": others, "agents": agents,
            "canned": canned}


def transcript_frame(*, conversation, entries, customer):
    """Return a conversation's full record for the console: its header, messages and notes, the customer."""
    return {"type": "transcript", "conversation": conversation, "entries": entries, "customer": customer}


def entry_frame(message):
    """Return a message or a private note as the console shows it."""
    frame = message_frame(message)
    if message.media_id is not None and message.media.refused:
        frame["media_refused"] = True  # staff see that a picture was there and refused
    if message.is_note or message.refused:
        frame.update(type="note", seq=None)
        frame.pop("client_msg_id", None)
    return frame


def note_frame(frame):
    """Return a live note (or refused message) event's `message` frame as the console's `note`."""
    return {**frame, "type": "note", "seq": None}


def console_rated_frame(frame, conversation_id, comment):
    """Return a `rated` frame for the console, with the conversation and the customer's comment."""
    return {**frame, "conversation_id": str(conversation_id), "comment": comment}


def console_relayed_frame(frame, conversation_id):
    """Return a `typing` or `stream` frame for the console, naming its conversation."""
    return {**frame, "conversation_id": str(conversation_id)}
