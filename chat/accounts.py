"""Customer sign-in and the signed tokens that sockets and HTTP calls carry."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction

from . import sql
from .models import Customer, Device

TOKEN_SALT = "csbot.customer-token"
# WeChat also runs mini-programs on PC ("windows"), Mac ("mac") and HarmonyOS
# ("ohos"); "other" is what the SDK reports for a value it does not know.
PLATFORMS = frozenset({"ios", "android", "devtools", "web", "windows", "mac", "ohos", "other"})


@dataclass(frozen=True)
class TokenClaims:
    customer_id: int
    device_id: str


def issue_token(*, customer, device_id):
    """Return a signed, expiring token bound to the customer and the device."""
    return signing.dumps({"c": customer.pk, "d": device_id}, salt=TOKEN_SALT, compress=True)


def read_token(token):
    """Return the claims of a valid token, or None for a missing, bad or expired one."""
    if not token or not isinstance(token, str) or len(token) > 1024:
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.CSBOT_TOKEN_TTL_S)
        return TokenClaims(customer_id=int(data["c"]), device_id=str(data["d"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


# The HTTP API asks on every request whether the token's customer may still
# post; a query and a hop to a database thread cost more than storing the
# message does. A customer found unblocked is trusted for a few seconds, so a
# block reaches the HTTP API within CSBOT_ALLOWED_CACHE_S (sockets check at
# connect). Bounded, so a flood of customers cannot grow it without limit.
ALLOWED_CACHE_MAX = 100_000
_allowed_until = {}


def recently_allowed(customer_id):
    """True when the customer was found unblocked within the last CSBOT_ALLOWED_CACHE_S seconds."""
    return _allowed_until.get(customer_id, 0.0) > time.monotonic()


def blocked_flag(customer_id):
    """The customer's blocked flag, or None when there is no such customer (one plain query)."""
    found = sql.rows(f"SELECT blocked FROM {sql.table(Customer)} WHERE id = %s", [customer_id])
    return bool(found[0][0]) if found else None


def check_allowed(customer_id):
    """True when the customer exists and is not blocked (a query); remember a yes for a while."""
    blocked = blocked_flag(customer_id)
    if blocked is None or blocked:
        _allowed_until.pop(customer_id, None)
        return False
    if len(_allowed_until) >= ALLOWED_CACHE_MAX:
        now = time.monotonic()
        for key in [key for key, until in _allowed_until.items() if until <= now] or list(_allowed_until):
            _allowed_until.pop(key, None)
    _allowed_until[customer_id] = time.monotonic() + settings.CSBOT_ALLOWED_CACHE_S
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
