"""The numbers on the dashboard: live load, today's volume, service times, satisfaction, the last 24 hours."""

from datetime import timedelta

from django.db.models import Avg, Count, Exists, Min, OuterRef, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from chat.models import Conversation, ConversationEvent, Message

from . import assignment, conf, console
from .metrics import with_timings

Status = Conversation.Status
# A conversation with any of these never was the bot's alone.
HUMAN_KINDS = ["handoff_requested", "taken_over", "assigned"]


def customers_online(now):
    """Count customers active within the online window, across every instance.

    Counted from the database (messages and device check-ins), not from
    sockets: socket counts live in each process, and the database is the one
    place all instances share.
    """
    since = now - timedelta(seconds=conf.get("CSBOT_CUSTOMER_ONLINE_S"))
    by_message = Message.objects.filter(created_at__gte=since, sender="customer").values("conversation__customer")
    return (
        Conversation.objects.filter(Q(customer__devices__last_seen__gte=since) | Q(customer__in=by_message))
        .values("customer")
        .distinct()
        .count()
    )


def _seconds(value):
    return round(value.total_seconds()) if value is not None else None


def _averages(pairs):
    """Average each column of (timedelta or None) pairs, skipping the Nones; streamed, not loaded."""
    sums, counts = [timedelta(0), timedelta(0)], [0, 0]
    for row in pairs.iterator(chunk_size=2000):
        for i, value in enumerate(row):
            if value is not None:
                sums[i] += value
                counts[i] += 1
    averages = [sums[i] / counts[i] if counts[i] else None for i in range(2)]
    return {"first_response": averages[0], "wait": averages[1]}


def hourly(now):
    """Return 24 (hour, conversations opened, handed to humans) rows ending at the current hour."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    opened = dict(
        Conversation.objects.filter(opened_at__gte=start, first_customer_message_at__isnull=False)
        .annotate(hour=TruncHour("opened_at")).values("hour").annotate(n=Count("pk")).values_list("hour", "n")
    )
    handed = dict(
        ConversationEvent.objects.filter(created_at__gte=start, kind=ConversationEvent.Kind.HANDOFF_REQUESTED)
        .annotate(hour=TruncHour("created_at")).values("hour").annotate(n=Count("pk")).values_list("hour", "n")
    )
    hours = [start + timedelta(hours=i) for i in range(24)]
    return [(h, opened.get(h, 0), handed.get(h, 0)) for h in hours]


def dashboard(now=None):
    """Return every dashboard figure in one dict."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    real = Conversation.objects.filter(first_customer_message_at__isnull=False)
    queue = assignment.waiting()
    oldest = queue.aggregate(at=Min("waiting_since"))["at"]
    todays = with_timings(real.filter(opened_at__gte=today))
    closed_today = real.filter(closed_at__gte=today)
    humans = ConversationEvent.objects.filter(conversation=OuterRef("pk"), kind__in=HUMAN_KINDS)
    solved = {"total": closed_today.count(), "by_bot": closed_today.exclude(Exists(humans)).count()}
    timing = _averages(todays.values_list("first_response", "wait_time"))
    rating = real.filter(closed_at__gte=now - timedelta(days=30)).aggregate(avg=Avg("rating"), n=Count("rating"))
    return {
        "customers_online": customers_online(now),
        "by_status": dict(real.exclude(status=Status.CLOSED).values_list("status").annotate(n=Count("pk")).order_by()),
        "queue_length": queue.count(),
        "longest_wait_s": _seconds(now - oldest) if oldest else 0,
        "agents": console.agent_rows(now),
        "today": todays.count(),
        "avg_first_response_s": _seconds(timing["first_response"]),
        "avg_wait_s": _seconds(timing["wait"]),
        "avg_rating": round(rating["avg"], 2) if rating["avg"] is not None else None,
        "ratings": rating["n"],
        "bot_solved_share": round(100 * solved["by_bot"] / solved["total"]) if solved["total"] else None,
        "closed_today": solved["total"],
        "hourly": hourly(now),
    }
