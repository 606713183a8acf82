"""Who is on a customer socket, loaded once at connect."""

from dataclasses import dataclass

from .accounts import customer_standing, token_revoked


@dataclass(frozen=True)
class CustomerSession:
    customer_id: int
    device_id: str
    blocked: bool

    @classmethod
    def load(cls, claims):
        """Return the session for valid token claims, or None if the customer is gone or the token revoked."""
        standing = customer_standing(claims.customer_id)
        if standing is None:
            return None
        blocked, generation = standing
        if token_revoked(claims, generation) and not blocked:
            return None  # revoked and since unblocked: log in again
        return cls(customer_id=claims.customer_id, device_id=claims.device_id, blocked=blocked)
