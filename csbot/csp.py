"""A Content-Security-Policy for every page the site serves: the chat page, the console and the whole admin.

Customers' words reach staff on many pages (the console, transcripts, the
message and customer lists, exports previewed in the admin). Every page loads
its scripts and styles from /static/ and puts text on the page as text, so the
policy allows scripts, styles and connections from the site itself only: a
message that slipped past escaping still could not run or send anything
elsewhere. The policy is a setting (CSBOT_CSP) so a CDN in front of /static/
can be added to it.
"""

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def policy():
    return getattr(settings, "CSBOT_CSP", "") or DEFAULT_POLICY


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Give every HTML response the site's policy, unless its view set one of its own.

    Django's admin pages, ours and the framework's, run no inline script and
    carry no inline style, so one policy fits them all (a Chromium test walks
    them and fails on any violation the browser reports). MiddlewareMixin
    keeps it usable on the event loop as well as on a thread.
    """

    def process_response(self, request, response):
        if response.headers.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", policy())
        return response
