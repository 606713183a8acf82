"""Turn rows into the contract's server frames."""

from .media_urls import media_summary


def ms(dt):
    """Return a datetime as integer milliseconds since the epoch."""
    return int(dt.timestamp() * 1000)


def message_frame(message):
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
    return {
        "type": "ack",
        "client_msg_id": message.client_msg_id,
        "msg_id": str(message.pk),
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "ts": ms(message.created_at),
    }


def status_frame(conversation, queue_position=None):
    frame = {"type": "status", "conversation_id": str(conversation.pk), "status": conversation.status}
    if queue_position is not None:
        frame["queue_position"] = queue_position
    if conversation.agent_name and conversation.status == "agent":
        frame["agent_name"] = conversation.agent_name
    return frame


def conversation_summary(conversation):
    summary = {"id": str(conversation.pk), "status": conversation.status}
    if conversation.agent_name and conversation.status == "agent":
        summary["agent_name"] = conversation.agent_name
    return summary
