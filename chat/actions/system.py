"""What the system does by itself: assigning queued conversations to agents, taking them back, notices."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import SenderKind
from .core import ConversationStateError, Kind, Status, _change_status, _lock, _store_message


@transaction.atomic
def assign_conversation(*, conversation, agent, agent_name):
    """Give a queued conversation to an agent chosen by the system, remembering its place."""
    conversation = _lock(conversation)
    if conversation.status != Status.QUEUED:
        raise ConversationStateError("not_queued", f"a {conversation.status} conversation is not in the queue")
    waited_from = conversation.waiting_since
    conversation.assigned_agent = agent
    conversation.agent_name = agent_name
    conversation.waiting_since = None
    _change_status(
        conversation, Status.AGENT, Kind.ASSIGNED, actor=SenderKind.SYSTEM, agent=agent.pk,
        waiting_since=waited_from.isoformat() if waited_from else None,
    )
    return conversation


@transaction.atomic
def unassign_to_queue(*, conversation, reason):
    """Put an agent's conversation back in the queue at the place it had before assignment."""
    conversation = _lock(conversation)
    if conversation.status != Status.AGENT:
        raise ConversationStateError("not_assigned", f"a {conversation.status} conversation has no agent")
    assigned = conversation.events.filter(kind=Kind.ASSIGNED).order_by("-pk").first()
    waited_from = assigned.data.get("waiting_since") if assigned else None
    previous = conversation.assigned_agent_id
    conversation.assigned_agent = None
    conversation.agent_name = ""
    conversation.waiting_since = datetime.fromisoformat(waited_from) if waited_from else timezone.now()
    _change_status(conversation, Status.QUEUED, Kind.UNASSIGNED, actor=SenderKind.SYSTEM, previous_agent=previous, reason=reason)
    return conversation


@transaction.atomic
def post_system_message(*, conversation, text):
    """Store a notice from the system, visible to the customer."""
    conversation = _lock(conversation)
    return _store_message(conversation, sender=SenderKind.SYSTEM, text=text)
