"""Signed, expiring URLs to stored pictures.

A URL names the stored file, an expiry time and an HMAC of both under the
site's secret key, so serving a picture needs no database query and a URL
cannot be made or extended by anyone without the key. URLs are handed only
in the frames of the customer who owns the picture and on staff pages; once
expired, a fresh `welcome`, `history` or replay hands out new ones.
"""

import time

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import urlencode

SALT = "csbot.media.url"


def signature(name, expires):
    return salted_hmac(SALT, f"{name}\n{expires}", algorithm="sha256").hexdigest()[:40]


def signed_url(name, *, now=None, ttl=None):
    """Return the path that serves `name` until the configured time has passed."""
    expires = int(now if now is not None else time.time()) + (ttl if ttl is not None else settings.CSBOT_MEDIA_URL_TTL_S)
    query = urlencode({"e": expires, "s": signature(name, expires)})
    return f"{reverse('chat-media-file', kwargs={'name': name})}?{query}"


def valid(name, expires, sig, *, now=None):
    """True when `sig` signs `name` and `expires`, and that time has not passed."""
    if not (isinstance(expires, str) and expires.isascii() and expires.isdigit() and len(expires) <= 12):
        return False
    if int(expires) < (now if now is not None else time.time()):
        return False
    return isinstance(sig, str) and constant_time_compare(sig, signature(name, int(expires)))


def media_summary(media):
    """The `media` object of a server `message` frame, with fresh URLs."""
    return {
        "url": signed_url(media.name),
        "thumb_url": signed_url(media.thumb_name),
        "mime": media.mime,
        "width": media.width,
        "height": media.height,
    }
