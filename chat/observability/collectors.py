"""Gauges computed at scrape time from the database: the human queue."""

import logging

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)


def queue_snapshot():
    """Return (length, oldest wait in seconds) of the queue, in one indexed query."""
    from chat.models import Conversation

    row = Conversation.objects.filter(
        status=Conversation.Status.QUEUED, first_customer_message_at__isnull=False
    ).aggregate(length=Count("pk"), oldest=Min("waiting_since"))
    oldest = row["oldest"]
    wait = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
    return row["length"], max(0.0, wait)


class QueueCollector:
    """Report the queue's length and its longest wait; a failed query reports `up` 0."""

    def __init__(self, snapshot=queue_snapshot):
        self.snapshot = snapshot

    def collect(self):
        up = GaugeMetricFamily("csbot_queue_collector_up", "1 when the queue query at this scrape succeeded")
        try:
            length, wait = self.snapshot()
        except Exception:
            log.exception("queue metrics query failed")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("csbot_queue_length", "Conversations waiting for an agent", value=length)
        yield GaugeMetricFamily(
            "csbot_queue_oldest_wait_seconds", "How long the longest-waiting conversation has waited", value=wait
        )
