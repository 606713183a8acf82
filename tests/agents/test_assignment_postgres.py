"""Assignment under load on PostgreSQL: concurrent rounds never overfill, skip or double-assign."""

import threading

import pytest
from django.db import connection, connections

from agents import assignment
from chat import actions, realtime
from chat.models import Conversation, ConversationEvent, SenderKind
from tests.support import services

from .helpers import make_user, queued_conversation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

CAPACITIES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
QUEUED = 200


@pytest.fixture(autouse=True)
def on_postgres():
    if connection.vendor != "postgresql":
        # Fails under CI when PostgreSQL is missing; otherwise the PostgreSQL pass runs this.
        services.postgres_url()
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=$TEST_DATABASE_URL pytest -m django_db)")


@pytest.fixture(autouse=True)
def quiet_sockets(monkeypatch):
    # 200 handoffs would each tell every queued customer their place: not what is measured here.
    monkeypatch.setattr(realtime, "_dispatch", lambda items: None)


def run_concurrently(fn, workers):
    """Run fn in `workers` threads, each with its own database connection, started together."""
    barrier = threading.Barrier(workers)
    errors = []

    def work():
        try:
            barrier.wait(timeout=30)
            fn()
        except Exception as exc:  # surfaced below, with the thread's traceback lost but the error kept
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an assignment round hung"
    assert not errors, errors



def test_concurrent_rounds_fill_every_agent_exactly_first_come_first_served():
    agents = [make_user(f"agent{i}", role="Agents", capacity=c, online=True) for i, c in enumerate(CAPACITIES)]
    queue = [queued_conversation().pk for _ in range(QUEUED)]
    order = list(assignment.waiting().values_list("pk", flat=True))
    assert order == queue

    run_concurrently(assignment.run_assignment, workers=len(agents))

    total = sum(CAPACITIES)
    assigned = list(Conversation.objects.filter(status="agent").values_list("pk", flat=True))
    assert sorted(assigned) == order[:total], "assignment skipped someone who came earlier"
    for agent, capacity in zip(agents, CAPACITIES):
        assert assignment.open_chats(agent.pk) == capacity
    events = ConversationEvent.objects.filter(kind="assigned")
    assert events.count() == total and events.values("conversation").distinct().count() == total
    assert list(assignment.waiting().values_list("pk", flat=True)) == order[total:]

    # Ten chats close at once; ten rounds at once hand out exactly the next ten places.
    closing = [Conversation.objects.filter(assigned_agent=a, status="agent").first() for a in agents]

    def close_one():
        conversation = closing.pop()
        actions.close_conversation(conversation=conversation, actor=SenderKind.AGENT, actor_user=conversation.assigned_agent)

    run_concurrently(close_one, workers=len(agents))
    run_concurrently(assignment.run_assignment, workers=len(agents))
    now_assigned = set(ConversationEvent.objects.filter(kind="assigned").values_list("conversation_id", flat=True))
    assert now_assigned == set(order[: total + len(agents)])
    for agent, capacity in zip(agents, CAPACITIES):
        assert assignment.open_chats(agent.pk) == capacity
    assert ConversationEvent.objects.filter(kind="assigned").count() == total + len(agents)


def test_concurrent_timeouts_and_rounds_keep_places():
    make_user("solo", role="Agents", capacity=3, online=True)
    queue = [queued_conversation().pk for _ in range(6)]
    assignment.run_assignment()
    from datetime import timedelta

    from django.utils import timezone

    later = timezone.now() + timedelta(hours=1)
    run_concurrently(lambda: assignment.release_unanswered(now=later), workers=4)
    assert ConversationEvent.objects.filter(kind="unassigned").count() == 3
    assert list(assignment.waiting().values_list("pk", flat=True)) == queue
