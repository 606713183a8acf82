"""The SDK's reconnect backoff, so simulated customers come back as real ones do."""

import random

BASE_S = 1.0
CAP_S = 30.0


def full_jitter(attempt, *, base_s=BASE_S, cap_s=CAP_S):
    """Return the wait before retry number `attempt` (0 first): uniform in [0, min(cap, base * 2^attempt)].

    The same rule as the SDK's `Backoff` (chat/static/chat/src/backoff.js):
    full jitter spreads the customers of a lost instance over the whole
    window instead of sending them back in one wave.
    """
    return random.uniform(0, min(cap_s, base_s * 2 ** min(attempt, 30)))
