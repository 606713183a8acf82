"""Who may do what on the human side; superusers may do everything."""

HANDLE = "agents.handle_conversations"
ALL_TRANSCRIPTS = "agents.view_all_transcripts"
REPORTS = "agents.view_reports"
EXPORT = "agents.export_conversations"


def is_agent(user):
    """Return whether the user may work in the console."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff and user.has_perm(HANDLE))


def may_view(user, conversation):
    """Return whether the user may read a conversation's transcript."""
    if user.has_perm(ALL_TRANSCRIPTS):
        return True
    if conversation.assigned_agent_id == user.pk:
        return True
    # Open conversations are visible to every agent, who may take them over.
    return conversation.status != "closed" and is_agent(user)


def may_manage(user, conversation):
    """Return whether the user may close, return or transfer a conversation."""
    return conversation.assigned_agent_id == user.pk or user.has_perm(ALL_TRANSCRIPTS)


def may_take_over(user, conversation):
    """Return whether the user may take a conversation: anyone from the bot or the queue, a colleague's only a manager."""
    if conversation.status != "agent" or conversation.assigned_agent_id in (None, user.pk):
        return True
    return user.has_perm(ALL_TRANSCRIPTS)
