"""What the console shows: the lists, a conversation's transcript, and the customer beside it."""

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from chat.models import Conversation, ConversationEvent, Message, SenderKind
from chat.presenters import entry_frame, lists_frame, ms, transcript_frame
from chat.sync import messages_after

from . import assignment, presence
from .models import AgentProfile, CannedResponse
from .permissions import is_agent

Status = Conversation.Status
LIST_LIMIT = 100
# Events that hand a conversation to an agent who has not answered in it yet.
HANDED_TO_AGENT = {ConversationEvent.Kind.ASSIGNED, ConversationEvent.Kind.TRANSFERRED}


def _with_preview(queryset):
    last = Message.objects.filter(conversation=OuterRef("pk"), is_note=False).order_by("-seq")
    return queryset.select_related("customer").annotate(
        preview=Subquery(last.values("text")[:1]), preview_picture=Subquery(last.values("media_id")[:1])
    )


def _row(conversation, **extra):
    return {
        "id": str(conversation.pk),
        "status": conversation.status,
        "customer": str(conversation.customer),
        "last_seq": conversation.last_seq,
        # A picture sent without words still says what came last.
        "preview": (conversation.preview or ("[" + _("Picture") + "]" if conversation.preview_picture else ""))[:120],
        "agent_id": conversation.assigned_agent_id,
        "agent_name": conversation.agent_name,
        "opened_at": ms(conversation.opened_at),
        **extra,
    }


def _with_answer_state(queryset):
    """Annotate the last event's kind, and whether an agent replied since it (a new chat waits until then)."""
    last_event = ConversationEvent.objects.filter(conversation=OuterRef("pk")).order_by("-pk")
    replied = Message.objects.filter(
        conversation=OuterRef("pk"), sender=SenderKind.AGENT, is_note=False, created_at__gte=OuterRef("last_at")
    )
    return queryset.annotate(
        last_kind=Subquery(last_event.values("kind")[:1]), last_at=Subquery(last_event.values("created_at")[:1])
    ).annotate(replied=Exists(replied))


def agent_rows(now=None):
    """Return the agents with a live console, their status and load."""
    rows = assignment.with_load(presence.connected_profiles(now)).select_related("user")
    return [
        {"id": p.user_id, "name": p.name, "status": p.status, "load": p.load, "capacity": p.max_concurrent_chats}
        for p in rows
    ]


def snapshot(user):
    """Return the lists the console shows: the queue, my conversations, the bot's, and the agents."""
    queue = [
        _row(c, position=i, waiting_since=ms(c.waiting_since))
        for i, c in enumerate(_with_preview(assignment.waiting())[:LIST_LIMIT], start=1)
    ]
    mine = [
        _row(c, unread=max(0, c.last_seq - c.agent_read_seq), awaiting_answer=c.last_kind in HANDED_TO_AGENT and not c.replied)
        for c in _with_answer_state(_with_preview(Conversation.objects.filter(status=Status.AGENT, assigned_agent=user)))
        .order_by("pk")
    ]
    bot = [
        _row(c)
        for c in _with_preview(
            Conversation.objects.filter(status=Status.BOT, first_customer_message_at__isnull=False)
        ).order_by("-pk")[:LIST_LIMIT]
    ]
    others = [
        _row(c)
        for c in _with_preview(Conversation.objects.filter(status=Status.AGENT).exclude(assigned_agent=user)).order_by("pk")[
            :LIST_LIMIT
        ]
    ]
    profile = presence.profile_for(user)
    me = {
        "id": user.pk, "name": profile.name, "status": presence.effective_status(profile),
        "load": len(mine), "capacity": profile.max_concurrent_chats,
    }
    return lists_frame(me=me, queue=queue, mine=mine, bot=bot, others=others, agents=agent_rows(),
                       canned=canned_responses())


def canned_responses():
    return [{"shortcut": c.shortcut, "title": c.title, "text": c.text} for c in CannedResponse.objects.all()]


def _customer(conversation):
    customer = conversation.customer
    device = customer.devices.order_by("-last_seen").first()
    # Visits in which the customer said nothing are no conversations to look back on.
    earlier = (
        Conversation.objects.filter(customer=customer, first_customer_message_at__isnull=False)
        .exclude(pk=conversation.pk).order_by("-pk")[:10]
    )
    return {
        "id": customer.pk,
        "name": str(customer),
        "openid": customer.masked_openid,
        "device": device.device_id if device else "",
        "platform": device.platform if device else "",
        "app_version": device.app_version if device else "",
        "since": ms(customer.created_at),
        "earlier": [
            {"id": str(c.pk), "status": c.status, "opened_at": ms(c.opened_at), "rating": c.rating} for c in earlier
        ],
    }


def transcript(conversation):
    """Return the full record of a conversation for the console: messages, notes and the customer."""
    entries = Message.objects.filter(conversation=conversation).select_related("media").order_by("created_at", "pk")
    return transcript_frame(
        conversation={
            "id": str(conversation.pk), "status": conversation.status, "agent_id": conversation.assigned_agent_id,
            "agent_name": conversation.agent_name, "last_seq": conversation.last_seq, "rating": conversation.rating,
            "rating_comment": conversation.rating_comment, "opened_at": ms(conversation.opened_at),
        },
        entries=[entry_frame(m) for m in entries],
        customer=_customer(conversation),
    )


def catch_up(conversation_id, after_seq, *, upto=None):
    """Return the message frames a console missed in a conversation."""
    return messages_after(conversation_id, after_seq, upto=upto)


def visible_ids(user, ids):
    """Return those of `ids` the user may follow, with their current last_seq."""
    rows = Conversation.objects.filter(pk__in=ids)
    if not user.has_perm("agents.view_all_transcripts"):
        rows = rows.filter(Q(assigned_agent=user) | ~Q(status=Status.CLOSED))
    return dict(rows.values_list("pk", "last_seq"))


def load_user(user_id):
    """Return an active agent by id, or None."""
    profile = AgentProfile.objects.select_related("user").filter(user_id=user_id, user__is_active=True).first()
    return profile if profile and is_agent(profile.user) else None
