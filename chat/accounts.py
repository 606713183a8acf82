"""Customer sign-in and the signed tokens that sockets and HTTP calls carry."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction

from .models import Customer, Device

TOKEN_SALT = "csbot.customer-token"
PLATFORMS = frozenset({"ios", "android", "devtools", "web"})


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
