"""Count lost and duplicated messages against the database the servers write to."""

from django.db.models import Count, Max

from chat.models import Message


def check_database(run_id, acked_ids):
    """Compare what the clients saw acknowledged with what the database stored for this run."""
    rows = Message.objects.filter(client_msg_id__startswith=f"{run_id}-").values("client_msg_id", "conversation_id")
    stored, conversations = {}, set()
    for row in rows:
        stored[row["client_msg_id"]] = stored.get(row["client_msg_id"], 0) + 1
        conversations.add(row["conversation_id"])
    heads = Message.objects.filter(conversation_id__in=conversations, seq__isnull=False).values("conversation_id").annotate(
        count=Count("seq"), distinct=Count("seq", distinct=True), top=Max("seq")
    )
    gaps = sum(1 for h in heads if not h["count"] == h["distinct"] == h["top"])
    return {
        "acked": len(acked_ids), "stored": len(stored), "lost": len(set(acked_ids) - stored.keys()),
        "duplicated": sum(n - 1 for n in stored.values() if n > 1),
        "stored_without_ack": len(stored.keys() - set(acked_ids)), "conversations": len(conversations),
        "conversations_with_seq_gaps": gaps,
    }
