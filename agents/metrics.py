"""Per-conversation timings as query annotations, so lists and reports need no extra queries."""

from django.db.models import DurationField, ExpressionWrapper, F, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce, Now

from chat.models import ConversationEvent

HANDOFF = ConversationEvent.Kind.HANDOFF_REQUESTED
PICKED_UP = [ConversationEvent.Kind.ASSIGNED, ConversationEvent.Kind.TAKEN_OVER]


def _first_event(kinds):
    return Subquery(
        ConversationEvent.objects.filter(conversation=OuterRef("pk"), kind__in=kinds)
        .order_by()
        .values("conversation")
        .annotate(at=Min("created_at"))
        .values("at")[:1]
    )


def _span(end, start):
    return ExpressionWrapper(end - start, output_field=DurationField())


def with_timings(queryset):
    """Annotate wait_time (handoff to an agent), first_response (customer to first agent reply) and duration."""
    return queryset.annotate(
        handoff_at=_first_event([HANDOFF]),
        picked_up_at=_first_event(PICKED_UP),
    ).annotate(
        wait_time=_span(F("picked_up_at"), F("handoff_at")),
        first_response=_span(F("first_agent_reply_at"), Coalesce(F("handoff_at"), F("first_customer_message_at"))),
        duration=_span(Coalesce(F("closed_at"), Now()), F("opened_at")),
    )


