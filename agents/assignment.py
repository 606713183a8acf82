"""Give waiting conversations to agents: first come first served, never over capacity.

Safe with any number of processes running it at once. Each round locks the
oldest waiting conversation nobody else holds (SKIP LOCKED), then the chosen
agent's profile row, and counts that agent's open chats again under the lock:
every automatic assignment to an agent holds that lock until it commits, so
two rounds can never both fill the agent's last slot.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat.actions.core import ConversationStateError
from chat.actions.system import assign_conversation, unassign_to_queue
from chat.models import Conversation, ConversationEvent, Message, SenderKind

from . import conf
from .models import AgentProfile
from .presence import fresh_since, online_profiles

log = logging.getLogger(__name__)
Status = Conversation.Status
Kind = ConversationEvent.Kind
MAX_ROUNDS = 500


def waiting():
    """Return the queue in serving order."""
    return Conversation.objects.filter(status=Status.QUEUED, first_customer_message_at__isnull=False).order_by(
        "waiting_since", "pk"
    )


def open_chats(user_id):
    return Conversation.objects.filter(assigned_agent_id=user_id, status=Status.AGENT).count()


def with_load(profiles):
    """Annotate profiles with `load`, their number of open chats."""
    load = (
        Conversation.objects.filter(assigned_agent_id=OuterRef("user_id"), status=Status.AGENT)
        .order_by()
        .values("assigned_agent_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return profiles.annotate(load=Coalesce(Subquery(load, output_field=IntegerField()), Value(0)))


def _available(profile, now):
    return profile.status == "online" and profile.last_seen is not None and profile.last_seen >= fresh_since(now)


def _claim_agent(now):
    """Return the locked profile of the least loaded online agent with a free slot, or None."""
    candidates = with_load(online_profiles(now)).order_by("load", "pk")
    for candidate in candidates:
        if candidate.load >= candidate.max_concurrent_chats:
            continue
        # A savepoint per candidate: rolling it back releases the row lock, so a
        # round holds at most one profile lock and two rounds cannot deadlock.
        savepoint = transaction.savepoint()
        profile = AgentProfile.objects.select_for_update(of=("self",)).select_related("user").get(pk=candidate.pk)
        # Counted again under the lock: the candidate list may be stale by now.
        if _available(profile, now) and open_chats(profile.user_id) < profile.max_concurrent_chats:
            transaction.savepoint_commit(savepoint)
            return profile
        transaction.savepoint_rollback(savepoint)
    return None


def assign_next(now=None):
    """Assign the oldest waiting conversation no other round holds; return it, or None when none could be.

    The agent's slot is claimed first, the conversation second: a round only
    ever locks a conversation it can serve, so concurrent rounds hand out the
    oldest conversations and never leave an older one behind a newer one.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if not waiting().exists():
            return None
        profile = _claim_agent(now)
        if profile is None:
            return None
        conversation = waiting().select_for_update(skip_locked=True, of=("self",)).first()
        if conversation is None:
            return None
        return assign_conversation(conversation=conversation, agent=profile.user, agent_name=profile.name)


def run_assignment(max_rounds=MAX_ROUNDS):
    """Assign waiting conversations until the queue is empty or nobody has room; return those assigned."""
    assigned = []
    for _ in range(max_rounds):
        conversation = assign_next()
        if conversation is None:
            break
        assigned.append(conversation)
    return assigned


def unanswered(now=None):
    """Return conversations assigned by the system longer ago than the timeout and not answered since."""
    cutoff = (now or timezone.now()) - timedelta(seconds=conf.get("CSBOT_ASSIGN_TIMEOUT_S"))
    last_event = ConversationEvent.objects.filter(conversation=OuterRef("pk")).order_by("-pk")
    replied = Message.objects.filter(
        conversation=OuterRef("pk"), sender=SenderKind.AGENT, is_note=False, created_at__gte=OuterRef("assigned_at")
    )
    return (
        Conversation.objects.filter(status=Status.AGENT)
        .annotate(last_kind=Subquery(last_event.values("kind")[:1]), assigned_at=Subquery(last_event.values("created_at")[:1]))
        .filter(last_kind=Kind.ASSIGNED, assigned_at__lt=cutoff)
        .exclude(Exists(replied))
    )


def replied_recently(user_id, now=None):
    """Tell whether an agent sent a customer a reply within the assignment timeout."""
    since = (now or timezone.now()) - timedelta(seconds=conf.get("CSBOT_ASSIGN_TIMEOUT_S"))
    return Message.objects.filter(
        sender=SenderKind.AGENT, sender_user_id=user_id, is_note=False, created_at__gte=since
    ).exists()


def release_unanswered(now=None):
    """Put unanswered assignments back in the queue at their place and set their agents away; return the ids."""
    released = []
    for pk in list(unanswered(now).values_list("pk", flat=True)[:MAX_ROUNDS]):
        with transaction.atomic():
            # Checked again under the lock: the agent may have answered just now.
            if not list(unanswered(now).filter(pk=pk).select_for_update(of=("self",)).values_list("pk", flat=True)):
                continue
            try:
                conversation = unassign_to_queue(conversation=pk, reason="timeout")
            except ConversationStateError:
                continue
            previous = conversation.events.latest("pk").data.get("previous_agent")
            # Whoever missed a chat is likely not at the desk: stop sending them more.
            # One who is replying in other chats is at the desk, only busy: they stay online.
            if not replied_recently(previous, now):
                AgentProfile.objects.filter(user_id=previous, status="online").update(status="away")
        released.append(pk)
    return released


def tick():
    """Run one periodic pass: release unanswered chats, then assign."""
    released = release_unanswered()
    assigned = run_assignment()
    if released or assigned:
        log.info("assignment pass", extra={"released": len(released), "assigned": len(assigned)})
    return released, assigned
