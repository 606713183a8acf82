"""A Content-Security-Policy for the pages that show what customers wrote: the chat page and the console.

Both pages load their scripts and styles from /static/ and put text on the
page as text, so the policy allows scripts, styles and connections from the
site itself only: a message that slipped past escaping still could not run
or send anything elsewhere. The policy is a setting (CSBOT_CSP) so a CDN in
front of /static/ can be added to it.
"""

from functools import wraps

from django.conf import settings

DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def policy():
    return getattr(settings, "CSBOT_CSP", "") or DEFAULT_POLICY


def content_security_policy(view):
    """Add the site's Content-Security-Policy to a view's responses."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", policy())
        return response

    return wrapped
