"""A conversation's record as staff read it: messages, private notes and state changes in one timeline."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from chat.media_urls import media_summary
from chat.models import ConversationEvent, Message

from .models import AgentProfile

Kind = ConversationEvent.Kind


def _names(user_ids):
    """Return the names agents show, by user id: display name, full name, or username."""
    ids = {pk for pk in user_ids if pk}
    names = {p.user_id: p.name for p in AgentProfile.objects.filter(user_id__in=ids).select_related("user")}
    for user in get_user_model().objects.filter(pk__in=ids - set(names)):
        names[user.pk] = user.get_full_name() or user.get_username()
    return names


def describe(event, names):
    """Return one sentence saying what an event did, in the active language."""
    data = event.data or {}
    who = names.get(event.actor_user_id) or event.get_actor_display()
    agent = names.get(data.get("agent")) or ""
    previous = names.get(data.get("previous_agent")) or ""
    reason = data.get("reason") or ""
    texts = {
        Kind.OPENED: _("Conversation opened"),
        Kind.HANDOFF_REQUESTED: _("%(who)s asked for a human") % {"who": who},
        Kind.ASSIGNED: _("Assigned to %(agent)s") % {"agent": agent},
        Kind.UNASSIGNED: _("%(agent)s did not answer in time: back in the queue") % {"agent": previous}
        if reason == "timeout" else _("Taken back from %(agent)s: back in the queue") % {"agent": previous},
        Kind.TAKEN_OVER: _("%(who)s took over") % {"who": who},
        Kind.TRANSFERRED: _("%(who)s transferred it from %(previous)s to %(agent)s")
        % {"who": who, "previous": previous or "–", "agent": agent or who},
        Kind.RETURNED_TO_BOT: _("%(who)s returned it to the bot") % {"who": who},
        Kind.CLOSED: _("Closed by %(who)s") % {"who": who},
        Kind.RATED: _("Rated %(score)s / 5: %(comment)s") % {"score": data.get("score", "–"), "comment": data["comment"]}
        if data.get("comment") else _("Rated %(score)s / 5") % {"score": data.get("score", "–")},
    }
    return texts.get(event.kind, event.get_kind_display())


def _picture(message):
    """The picture of a message for the staff page: signed URLs, or a marker when a check refused it."""
    if message.media_id is None:
        return {}
    if message.media.refused:
        return {"picture_refused": True}
    return {"picture": media_summary(message.media)}


def entries(conversation_id):
    """Return messages, notes and events of a conversation in the order they happened."""
    messages = list(
        Message.objects.filter(conversation_id=conversation_id).select_related("media").order_by("created_at", "pk")
    )
    events = list(ConversationEvent.objects.filter(conversation_id=conversation_id).order_by("created_at", "pk"))
    names = _names([e.actor_user_id for e in events] + [e.data.get(k) for e in events for k in ("agent", "previous_agent")
                                                        if isinstance(e.data.get(k), int)])
    rows = [{"at": m.created_at, "message": m, **_picture(m)} for m in messages]
    rows += [{"at": e.created_at, "event": e, "text": describe(e, names)} for e in events]
    return sorted(rows, key=lambda row: row["at"])
