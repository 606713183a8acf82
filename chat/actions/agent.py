"""An agent's actions: taking a conversation over, replying, private notes, handing it back or on."""

from django.db import transaction

from .. import events, realtime
from ..models import Conversation, Message, SenderKind
from ..presenters import message_frame
from .core import ConversationStateError, Kind, Status, _change_status, _insert_messages, _lock, _store_message


@transaction.atomic
def take_over(*, conversation, agent, agent_name):
    """Give an open conversation to an agent, from the bot or the queue."""
    conversation = _lock(conversation)
    if conversation.status == Status.CLOSED:
        raise ConversationStateError("conversation_closed", "the conversation is closed")
    if conversation.status == Status.AGENT and conversation.assigned_agent_id == agent.pk:
        return conversation
    previous = conversation.assigned_agent_id
    conversation.assigned_agent = agent
    conversation.agent_name = agent_name
    conversation.waiting_since = None
    kind = Kind.TRANSFERRED if previous and previous != agent.pk else Kind.TAKEN_OVER
    _change_status(conversation, Status.AGENT, kind, actor=SenderKind.AGENT, actor_user=agent, previous_agent=previous)
    return conversation


@transaction.atomic
def send_agent_reply(*, conversation, agent, text, agent_name, media=None):
    """Store an agent's reply (words, a picture staff uploaded, or both); only the assigned agent may speak."""
    conversation = _lock(conversation)
    if conversation.status != Status.AGENT or conversation.assigned_agent_id != agent.pk:
        raise ConversationStateError("not_assigned", "only the assigned agent can reply")
    message = _store_message(conversation, sender=SenderKind.AGENT, text=text, sender_user=agent, sender_name=agent_name,
                             media=media)
    if conversation.first_agent_reply_at is None:
        Conversation.objects.filter(pk=conversation.pk).update(first_agent_reply_at=message.created_at)
    return message


@transaction.atomic
def add_private_note(*, conversation, agent, text, agent_name=""):
    """Store a note for staff only: no seq, never sent to the customer."""
    conversation = _lock(conversation)
    [note] = _insert_messages([Message(
        conversation=conversation, seq=None, is_note=True, sender=SenderKind.AGENT, sender_user=agent,
        sender_name=agent_name, text=text,
    )])
    frame = message_frame(note)
    realtime.publish_on_commit(
        realtime.conversation_group(conversation.pk),
        events.note(conversation_id=conversation.pk, frame=frame),
    )
    return note


@transaction.atomic
def return_to_bot(*, conversation, agent):
    """Hand an open conversation back to the bot."""
    conversation = _lock(conversation)
    if conversation.status == Status.CLOSED:
        raise ConversationStateError("conversation_closed", "the conversation is closed")
    conversation.assigned_agent = None
    conversation.agent_name = ""
    conversation.waiting_since = None
    _change_status(conversation, Status.BOT, Kind.RETURNED_TO_BOT, actor=SenderKind.AGENT, actor_user=agent)
    return conversation


@transaction.atomic
def transfer_conversation(*, conversation, by, agent, agent_name):
    """Hand an agent's conversation to another agent, naming who passed it on."""
    conversation = _lock(conversation)
    if conversation.status != Status.AGENT:
        raise ConversationStateError("not_assigned", f"a {conversation.status} conversation has no agent")
    if conversation.assigned_agent_id == agent.pk:
        return conversation
    previous = conversation.assigned_agent_id
    conversation.assigned_agent = agent
    conversation.agent_name = agent_name
    _change_status(
        conversation, Status.AGENT, Kind.TRANSFERRED, actor=SenderKind.AGENT, actor_user=by,
        previous_agent=previous, agent=agent.pk,
    )
    # Consoles list conversations per agent; the queue group reaches them all.
    realtime.publish_on_commit(realtime.QUEUE_GROUP, events.queue())
    return conversation
