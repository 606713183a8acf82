"""The queue of conversations waiting for an agent: who is in it, in what order, and telling them.

Reads and publishing only; the actions that move a conversation in or out of
the queue call these.
"""

from django.db.models import Q

from .. import events, realtime
from ..models import Conversation
from ..presenters import status_frame

Status = Conversation.Status


def _queued():
    """Conversations waiting for an agent; ones without a customer message wait for nobody."""
    return Conversation.objects.filter(status=Status.QUEUED, first_customer_message_at__isnull=False)


def queue_position(conversation):
    """Return the 1-based place of a queued conversation, first come first served."""
    # Without a customer message nobody serves it yet (see _queued): a place in line would mislead.
    if conversation.status != Status.QUEUED or conversation.waiting_since is None:
        return None
    if conversation.first_customer_message_at is None:
        return None
    waiting = conversation.waiting_since
    ahead = _queued().filter(Q(waiting_since__lt=waiting) | Q(waiting_since=waiting, pk__lt=conversation.pk))
    return ahead.count() + 1


def _publish_queue():
    """Tell every queued customer their place, and agents that the queue moved."""
    queued = _queued().order_by("waiting_since", "pk")
    for position, conversation in enumerate(queued, start=1):
        realtime.publish_on_commit(
            realtime.customer_group(conversation.customer_id),
            events.status(conversation_id=conversation.pk, frame=status_frame(conversation, position)),
        )
    realtime.publish_on_commit(realtime.QUEUE_GROUP, events.queue())
