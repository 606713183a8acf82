"""Subscribe messages to customers who left the mini-program: consents, scheduling, claiming (protocol section 9).

A customer's one-time consent (`wx.requestSubscribeMessage`) is a row; each
lets one notification through. An agent's reply, or a close that asks for a
rating, schedules a notification `CSBOT_NOTIFY_AFTER_S` later in the same
transaction; replies while one is pending fold into it. When it falls due an
instance claims the row with a compare-and-set, so of any number of
instances exactly one goes on; it is sent only if the customer still has no
socket, has not read (or rated), and a consent for the template is left,
which the same instance marks used before sending. `chat.notifier` sends.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification, SubscriptionConsent

Kind = Notification.Kind
State = Notification.State

MAX_TEMPLATE_IDS = 10
# Unused consents kept per customer and template: WeChat lets them pile up,
# a client looping on the endpoint must not.
MAX_UNUSED_CONSENTS = 20
# The most characters WeChat takes in a template field of each type.
FIELD_LIMITS = {"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "letter": 32, "number": 32}


def template_for(kind):
    """Return the configured template of a notification kind, or None when that kind is off."""
    found = settings.CSBOT_WX_NOTIFY_TEMPLATES.get(kind)
    return found if isinstance(found, dict) and found.get("template_id") else None


def enabled():
    return any(template_for(kind) for kind in Kind.values)


def known_template_ids():
    return {template_for(kind)["template_id"] for kind in Kind.values if template_for(kind)}


# --- consents ---------------------------------------------------------------


def valid_template_ids(value):
    """Return the list of template ids from a request body, or None when it is malformed."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TEMPLATE_IDS:
        return None
    if not all(isinstance(t, str) and 1 <= len(t) <= 128 and t.isprintable() for t in value):
        return None
    return value


@transaction.atomic
def record_consents(*, customer_id, template_ids):
    """Store one consent per accepted id of a template this deployment sends; return how many were stored."""
    known = known_template_ids()
    rows = []
    for template_id in template_ids:
        if template_id not in known:
            continue
        unused = SubscriptionConsent.objects.filter(
            customer_id=customer_id, template_id=template_id, used_at__isnull=True
        ).count() + sum(1 for r in rows if r.template_id == template_id)
        if unused < MAX_UNUSED_CONSENTS:
            rows.append(SubscriptionConsent(customer_id=customer_id, template_id=template_id))
    SubscriptionConsent.objects.bulk_create(rows)
    return len(rows)


def _has_consent(customer_id, template_id):
    return SubscriptionConsent.objects.filter(
        customer_id=customer_id, template_id=template_id, used_at__isnull=True
    ).exists()


# --- scheduling, inside the actions' transactions ---------------------------


def schedule(*, conversation, kind, message=None):
    """Plan a notification for a conversation event; call it inside the action's transaction.

    Nothing is written when the kind is off or the customer gave no consent for
    its template. A pending notification of the same kind takes the newer seq
    and keeps its due time: the customer has waited since the first one.
    """
    template = template_for(kind)
    if template is None or not _has_consent(conversation.customer_id, template["template_id"]):
        return None
    seq = message.seq if message is not None else conversation.last_seq
    fields = {"conversation_id": conversation.pk, "message": message, "seq": seq}
    pending = Notification.objects.select_for_update().filter(
        customer_id=conversation.customer_id, kind=kind, state=State.PENDING
    ).first()
    if pending is None:
        try:
            with transaction.atomic():
                return Notification.objects.create(
                    customer_id=conversation.customer_id, kind=kind,
                    due_at=timezone.now() + timedelta(seconds=settings.CSBOT_NOTIFY_AFTER_S), **fields,
                )
        except IntegrityError:  # another conversation of the customer scheduled one at the same moment
            pending = Notification.objects.select_for_update().get(
                customer_id=conversation.customer_id, kind=kind, state=State.PENDING
            )
    for name, value in fields.items():
        setattr(pending, name, value)
    pending.save(update_fields=["conversation", "message", "seq"])
    return pending


def schedule_reply(*, conversation, message):
    """Plan the notice of an agent's (or, when configured, the bot's) reply."""
    if message.sender == "bot" and not settings.CSBOT_NOTIFY_BOT:
        return None
    return schedule(conversation=conversation, kind=Kind.REPLY, message=message)


def schedule_rate_request(*, conversation):
    """Plan the request to rate a conversation just closed."""
    return schedule(conversation=conversation, kind=Kind.RATE_REQUEST)


# --- claiming and sending, for chat.notifier ---------------------------------


@dataclass(frozen=True)
class Claimed:
    notification_id: int
    customer_id: int


# A claim older than this belongs to an instance that died while sending.
ABANDONED_AFTER = timedelta(minutes=5)


def claim_due(*, worker, limit=50):
    """Claim due notifications for this worker; each row goes to exactly one caller."""
    now = timezone.now()
    # Whether WeChat got an abandoned one is unknown: it is closed, never sent again.
    Notification.objects.filter(state=State.SENDING, claimed_at__lt=now - ABANDONED_AFTER).update(
        state=State.FAILED, outcome="abandoned", finished_at=now
    )
    due = list(
        Notification.objects.filter(state=State.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", "customer_id")[:limit]
    )
    claimed = []
    for pk, customer_id in due:
        # Compare-and-set: of racing instances only one changes the row.
        if Notification.objects.filter(pk=pk, state=State.PENDING).update(
            state=State.SENDING, claimed_by=worker, claimed_at=now
        ):
            claimed.append(Claimed(pk, customer_id))
    return claimed


def finish(notification_id, state, outcome=""):
    Notification.objects.filter(pk=notification_id, state=State.SENDING).update(
        state=state, outcome=outcome[:40], finished_at=timezone.now()
    )


@transaction.atomic
def prepare_send(notification_id):
    """Return the subscribe message to send for a claimed notification, taking one consent; None when it is not due.

    A notification skipped here is finished with the reason.
    """
    notification = (
        Notification.objects.select_for_update(of=("self",)).select_related("customer", "conversation", "message")
        .filter(pk=notification_id, state=State.SENDING).first()
    )
    if notification is None:
        return None
    conversation, template = notification.conversation, template_for(notification.kind)
    reason = _not_needed(notification, conversation, template)
    if reason is None:
        consent = _take_consent(notification, template["template_id"])
        reason = None if consent else "no_consent"
    if reason is not None:
        finish(notification.pk, State.SKIPPED, reason)
        return None
    return {
        "touser": notification.customer.openid,
        "template_id": template["template_id"],
        "page": template.get("page", ""),
        "data": template_data(template, notification.message, conversation),
        "miniprogram_state": settings.CSBOT_WX_MINIPROGRAM_STATE,
        "lang": "zh_CN",
    }


def _not_needed(notification, conversation, template):
    if template is None:
        return "template_off"
    if notification.kind == Kind.RATE_REQUEST and conversation.rating is not None:
        return "rated"
    if notification.kind == Kind.REPLY and conversation.customer_read_seq >= notification.seq:
        return "read"
    return None


def _take_consent(notification, template_id):
    """Mark the oldest unused consent for the template used by this notification; return it or None."""
    unused = SubscriptionConsent.objects.filter(
        customer_id=notification.customer_id, template_id=template_id, used_at__isnull=True
    ).order_by("pk")
    for consent in unused[:5]:
        if SubscriptionConsent.objects.filter(pk=consent.pk, used_at__isnull=True).update(
            used_at=timezone.now(), used_by=notification
        ):
            return consent
    return None


@transaction.atomic
def give_back(notification_id, *, retry_in_s):
    """Undo a claim WeChat never saw (it could not be reached): the consent is unused again, the row pending later."""
    SubscriptionConsent.objects.filter(used_by_id=notification_id).update(used_at=None, used_by=None)
    try:
        with transaction.atomic():
            Notification.objects.filter(pk=notification_id, state=State.SENDING).update(
                state=State.PENDING, claimed_by="", claimed_at=None, due_at=timezone.now() + timedelta(seconds=retry_in_s)
            )
    except IntegrityError:  # a newer one is pending and covers this one
        finish(notification_id, State.SKIPPED, "superseded")


def template_data(template, message, conversation):
    """Fill the template's fields from their named sources; the message text only where the template allows it."""
    notice = settings.CSBOT_WX_NOTIFY_NOTICE
    when = timezone.localtime(message.created_at if message is not None else timezone.now())
    sources = {
        "text": message.text if message is not None and template.get("text_allowed") else notice,
        "agent_name": (message.sender_name if message is not None else "") or conversation.agent_name or notice,
        "notice": notice,
        "time": when.strftime("%Y-%m-%d %H:%M"),
    }
    data = {}
    for key, source in (template.get("data") or {}).items():
        value = source[1:] if source.startswith("=") else sources.get(source, "")
        data[key] = {"value": _fit(key, value)}
    return data


def _fit(key, value):
    kind = key.rstrip("0123456789")
    limit = FIELD_LIMITS.get(kind)
    if limit is not None and len(value) > limit:
        return value[: limit - 1] + "…"
    return value
