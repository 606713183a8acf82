"""Who is on a customer socket, loaded once at connect."""

from dataclasses import dataclass

from .accounts import blocked_flag


@dataclass(frozen=True)
class CustomerSession:
    customer_id: int
    device_id: str
    blocked: bool

    @classmethod
    def load(cls, claims):
        """Return the session for valid token claims, or None if the customer is gone."""
        blocked = blocked_flag(claims.customer_id)
        if blocked is None:
            return None
        return cls(customer_id=claims.customer_id, device_id=claims.device_id, blocked=blocked)
