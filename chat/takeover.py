"""Which socket of a customer stays open: the durable record and the one rule that reads it.

A `hello` claims the device in the database: the customer's current device
becomes this one and the device's own counter goes up by one, so the new
socket holds the highest generation. The channel layer then announces it, but
that wake-up may be lost (Redis away, a resubscribe in progress); every
process also checks its sockets against the record at reconcile, so an older
socket gives way within CSBOT_RECONCILE_S either way.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import sql
from .models import Customer, Device
from .protocol.errors import CloseCode


@dataclass(frozen=True)
class Claim:
    """The customer's current device, and the newest generation of one device's sockets."""

    current_device: str
    generation: int
    # Blocked from the admin: checked here too, so a lost block notice still closes the socket.
    blocked: bool = False


@transaction.atomic
def claim_device(*, customer_id, device_id, platform, app_version=""):
    """Make this device the customer's current one; return the new socket's generation.

    One upsert records the device (it may predate its token), its platform and
    the new generation, and returns that generation; the row lock it takes
    counts concurrent hellos of one device one after the other. A hello is
    the first thing every reconnecting client sends, so in a reconnect storm
    its round trips are what the database sees most (the ORM's
    update_or_create, update and read took six).
    """
    table = sql.table(Device)
    columns, values, params = _claim_row(customer_id, device_id, platform, app_version)
    generation = sql.rows(
        f"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT (customer_id, device_id) DO UPDATE SET"
        " platform = EXCLUDED.platform, app_version = EXCLUDED.app_version, last_seen = EXCLUDED.last_seen,"
        f" generation = {table}.generation + 1 RETURNING generation",
        params,
    )[0][0]
    Customer.objects.filter(pk=customer_id).update(current_device=device_id)
    return generation


def _claim_row(customer_id, device_id, platform, app_version):
    """The new device row's columns and values, from the model's fields: a first hello is generation 1."""
    return sql.insert_select(Device, columns={"generation": "1"}, values={
        "customer_id": customer_id, "device_id": device_id, "platform": platform, "app_version": app_version,
        "last_seen": timezone.now(),
    })


def current_claims(pairs):
    """Return {(customer_id, device_id): Claim} for (customer, device) pairs, in one query."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = Device.objects.filter(customer_id__in={customer for customer, _ in pairs}).values_list(
        "customer_id", "device_id", "generation", "customer__current_device", "customer__blocked"
    )
    return {
        (c, d): Claim(current_device=current, generation=g, blocked=blocked)
        for c, d, g, current, blocked in rows if (c, d) in pairs
    }


def verdict(claim, *, device_id, generation, policy):
    """Return the close code for a socket the record says was replaced, or None if it stays.

    A newer socket of the same device wins quietly (4410); under the `single`
    policy, another device's later hello wins with a kick (4409).
    """
    if claim is None or generation is None:
        return None
    if claim.generation > generation:
        return CloseCode.REPLACED_ON_DEVICE
    if policy == "single" and claim.current_device != device_id:
        return CloseCode.REPLACED
    return None
