"""Customer sign-in and the signed tokens that sockets and HTTP calls carry."""

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction

from . import realtime, sql
from .models import Customer, Device

log = logging.getLogger(__name__)

TOKEN_SALT = "csbot.customer-token"
# WeChat also runs mini-programs on PC ("windows"), Mac ("mac") and HarmonyOS
# ("ohos"); "other" is what the SDK reports for a value it does not know.
PLATFORMS = frozenset({"ios", "android", "devtools", "web", "windows", "mac", "ohos", "other"})


@dataclass(frozen=True)
class TokenClaims:
    customer_id: int
    device_id: str
    # The customer's token generation when it was issued; a token of an older one is revoked.
    generation: int = 0


def issue_token(*, customer, device_id):
    """Return a signed, expiring token bound to the customer, the device and the customer's token generation."""
    claims = {"c": customer.pk, "d": device_id}
    if customer.token_generation:
        claims["g"] = customer.token_generation
    return signing.dumps(claims, salt=TOKEN_SALT, compress=True)


def read_token(token):
    """Return the claims of a valid token, or None for a missing, bad or expired one."""
    if not token or not isinstance(token, str) or len(token) > 1024:
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.CSBOT_TOKEN_TTL_S)
        return TokenClaims(customer_id=int(data["c"]), device_id=str(data["d"]), generation=int(data.get("g", 0)))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


# The HTTP API asks on every request whether the token's customer may still
# post; a query and a hop to a database thread cost more than storing the
# message does. A customer found unblocked is trusted for a few seconds, so a
# block reaches the HTTP API within CSBOT_ALLOWED_CACHE_S (sockets check at
# connect). Bounded, so a flood of customers cannot grow it without limit.
ALLOWED_CACHE_MAX = 100_000
_allowed_until: dict[Any, float] = {}


def recently_allowed(customer_id, generation=0):
    """True when the customer was found unblocked, with this token generation, within CSBOT_ALLOWED_CACHE_S seconds."""
    return _allowed_until.get((customer_id, generation), 0.0) > time.monotonic()


def customer_standing(customer_id):
    """(blocked, token_generation) of a customer, or None when there is no such customer (one plain query)."""
    found = sql.rows(f"SELECT blocked, token_generation FROM {sql.table(Customer)} WHERE id = %s", [customer_id])
    return (bool(found[0][0]), int(found[0][1])) if found else None


def blocked_flag(customer_id):
    """The customer's blocked flag, or None when there is no such customer."""
    standing = customer_standing(customer_id)
    return standing[0] if standing else None


def token_revoked(claims, generation):
    """True when the token was issued before the customer's tokens were last revoked."""
    return claims.generation != generation


def check_allowed(customer_id, generation=0):
    """True when the customer exists, is not blocked and the token generation is current (a query); remember a yes."""
    key = (customer_id, generation)
    standing = customer_standing(customer_id)
    if standing is None or standing[0] or standing[1] != generation:
        _allowed_until.pop(key, None)
        return False
    if len(_allowed_until) >= ALLOWED_CACHE_MAX:
        now = time.monotonic()
        for old in [old for old, until in _allowed_until.items() if until <= now] or list(_allowed_until):
            _allowed_until.pop(old, None)
    _allowed_until[key] = time.monotonic() + settings.CSBOT_ALLOWED_CACHE_S
    return True


@transaction.atomic
def set_blocked(*, customer_id, blocked, by=None):
    """Block (or unblock) a customer. Blocking revokes every token issued so far and closes open sockets.

    The sockets, on whichever instance, are told over the channel layer once
    the change commits; one that misses the wake-up is refused at its next
    connect, and the HTTP API refuses the revoked tokens within
    CSBOT_ALLOWED_CACHE_S. Returns whether anything changed.
    """
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None or customer.blocked == blocked:
        return False
    customer.blocked = blocked
    fields = ["blocked"]
    if blocked:
        customer.token_generation += 1
        fields.append("token_generation")
    customer.save(update_fields=fields)
    if blocked:
        realtime.customer_blocked_on_commit(customer.pk)
    log.info("customer blocked" if blocked else "customer unblocked",
             extra={"event": "customer_blocked" if blocked else "customer_unblocked", "customer": customer.pk,
                    "by_user": getattr(by, "pk", None)})
    return True


@transaction.atomic
def sign_in(*, openid, device_id, platform, session_key="", unionid="", app_version=""):
    """Find or create the customer and device; return (customer, token)."""
    customer, _ = Customer.objects.select_for_update().get_or_create(openid=openid)
    changed = []
    if session_key and customer.session_key != session_key:
        customer.session_key = session_key
        changed.append("session_key")
    if unionid and customer.unionid != unionid:
        customer.unionid = unionid
        changed.append("unionid")
    if changed:
        customer.save(update_fields=changed)
    Device.objects.update_or_create(
        customer=customer, device_id=device_id, defaults={"platform": platform, "app_version": app_version}
    )
    return customer, issue_token(customer=customer, device_id=device_id)


def touch_device(*, customer_id, device_id, platform, app_version=""):
    """Record that a device connected now, creating it if the token predates it."""
    Device.objects.update_or_create(
        customer_id=customer_id, device_id=device_id, defaults={"platform": platform, "app_version": app_version}
    )
