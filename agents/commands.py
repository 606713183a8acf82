"""What the console asks for, checked against the agent's rights and done through the domain actions."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from chat import actions
from chat.actions import ConversationStateError
from chat.media import staff_media
from chat.models import Conversation, SenderKind
from chat.protocol.errors import ErrorCode

from . import console, presence
from .permissions import may_manage, may_take_over, may_view


class Refused(Exception):
    """The agent may not do this; `code` is stable, `message` is shown in the agent's language."""

    def __init__(self, code, message):
        super().__init__(code)
        self.code = ErrorCode(code)  # the customer socket's set: one list of codes for both sockets
        self.message = message


NO_CONVERSATION = _("Choose a conversation first.")
EMPTY = _("Nothing to send.")
# What the console shows for an action refused by the conversation's state, by the action's error code.
STATE_MESSAGES = {
    "conversation_closed": _("This conversation is closed."),
    "not_assigned": _("Only the agent serving this conversation can do this: take it over first."),
    "not_queued": _("This conversation is no longer waiting in the queue."),
    "bot_not_in_charge": _("The bot no longer serves this conversation."),
}


def _conversation(user, conversation_id):
    conversation = Conversation.objects.filter(pk=conversation_id).select_related("customer").first()
    if conversation is None or not may_view(user, conversation):
        raise Refused("not_found", _("This conversation does not exist or is not yours to see."))
    return conversation


def _managed(user, conversation_id):
    conversation = _conversation(user, conversation_id)
    if not may_manage(user, conversation):
        raise Refused("forbidden", _("Only the agent serving this conversation or a manager can do this."))
    return conversation


def _state(fn):
    """Turn a refused action into a Refused with the action's code."""

    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ConversationStateError as exc:
            raise Refused(exc.code, STATE_MESSAGES.get(exc.code, str(exc))) from exc

    run.__name__ = fn.__name__
    return run


def open_transcript(*, user, conversation_id):
    """Return the transcript frame of a conversation the user may read."""
    return console.transcript(_conversation(user, conversation_id))


@_state
@transaction.atomic
def take_over(*, user, conversation_id):
    """Take a conversation; a colleague's assigned one only as a manager (checked under the row lock)."""
    _conversation(user, conversation_id)
    conversation = Conversation.objects.select_for_update().select_related("customer").get(pk=conversation_id)
    if not may_take_over(user, conversation):
        raise Refused("forbidden", "only a manager can take over a colleague's conversation")
    actions.take_over(conversation=conversation, agent=user, agent_name=presence.profile_for(user).name)


def may_type(*, user, conversation_id):
    """Return the customer id to tell about typing when the user is the assignee or a manager, else None."""
    conversation = Conversation.objects.filter(pk=conversation_id).only("assigned_agent_id", "customer_id").first()
    return conversation.customer_id if conversation and may_manage(user, conversation) else None


@_state
def reply(*, user, conversation_id, text, media_id=None):
    conversation = _conversation(user, conversation_id)
    picture = None
    if media_id is not None:
        picture = staff_media(media_id)
        if picture is None:
            raise Refused("not_found", _("This picture is not available: upload it again."))
    message = actions.send_agent_reply(
        conversation=conversation, agent=user, text=text, agent_name=presence.profile_for(user).name, media=picture
    )
    actions.mark_read(conversation=conversation, seq=message.seq, reader=SenderKind.AGENT)
    return message


@_state
def note(*, user, conversation_id, text):
    conversation = _conversation(user, conversation_id)
    return actions.add_private_note(conversation=conversation, agent=user, text=text, agent_name=presence.profile_for(user).name)


@_state
def return_to_bot(*, user, conversation_id):
    actions.return_to_bot(conversation=_managed(user, conversation_id), agent=user)


@_state
def close(*, user, conversation_id):
    actions.close_conversation(
        conversation=_managed(user, conversation_id), actor=SenderKind.AGENT, actor_user=user, reason="agent_closed"
    )


@_state
def transfer(*, user, conversation_id, agent_id):
    conversation = _managed(user, conversation_id)
    target = console.load_user(agent_id)
    if target is None:
        raise Refused("unknown_agent", _("This agent is not available."))
    actions.transfer_conversation(conversation=conversation, by=user, agent=target.user, agent_name=target.name)


def read(*, user, conversation_id, seq):
    conversation = _conversation(user, conversation_id)
    if conversation.assigned_agent_id == user.pk:
        actions.mark_read(conversation=conversation, seq=seq, reader=SenderKind.AGENT)
