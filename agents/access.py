"""Is the person at a console still allowed to work there? Asked again before every command.

A console socket outlives the checks made when it opened: an agent may be
deactivated, lose their role group, change their password or be logged out
(their session deleted) while the console stays open. Each command, and a
periodic sweep of open consoles, reloads the user through their session the
way a page request would, so none of those changes waits for a reconnect.
"""

from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user
from django.utils.module_loading import import_string

from .permissions import is_agent

UNAUTHORIZED, FORBIDDEN = "unauthorized", "forbidden"


def session_user(session_key):
    """Return the user a session currently signs in (fresh from the database), or None.

    Django's own `get_user` does the checks: the session exists, names a user
    who may still authenticate (active), and carries the hash of the user's
    current password.
    """
    if not session_key:
        return None
    store = import_string(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=store))
    return user if user.is_authenticated else None


def recheck(user_id, session_key):
    """Return (user, None) when the session still signs in that user as an agent, else (None, code)."""
    user = session_user(session_key)
    if user is None or user.pk != user_id:
        return None, UNAUTHORIZED
    if not is_agent(user):
        return None, FORBIDDEN
    return user, None

