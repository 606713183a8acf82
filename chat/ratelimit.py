"""A token bucket per socket: cheap, local, no shared state."""

import time


class TokenBucket:
    __slots__ = ("rate", "capacity", "tokens", "stamp")

    def __init__(self, *, rate, capacity):
        self.rate = rate
        self.capacity = capacity
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def take(self, cost=1):
        """Take `cost` tokens; return False when the bucket has fewer."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True


class Allowance:
    """Bytes a customer's answers may take per second, charged after each answer: it may go into debt.

    An answer's size is known only once it is read, so the check before the
    read is "not in debt" and the answer's bytes are charged after it.
    """

    __slots__ = ("rate", "capacity", "balance", "stamp")

    def __init__(self, *, rate, capacity):
        self.rate = rate
        self.capacity = capacity
        self.balance = float(capacity)
        self.stamp = time.monotonic()

    def _refill(self, now):
        self.balance = min(self.capacity, self.balance + (now - self.stamp) * self.rate)
        self.stamp = now

    def available(self):
        self._refill(time.monotonic())
        return self.balance > 0

    def charge(self, nbytes):
        self._refill(time.monotonic())
        self.balance -= nbytes

    def idle(self, now):
        """True when it is full again: forgetting it then changes nothing."""
        return self.balance + (now - self.stamp) * self.rate >= self.capacity


class Allowances:
    """One `Allowance` per key (a customer), kept across that customer's sockets and reconnects in this process."""

    PRUNE_EVERY = 1024

    def __init__(self, *, rate, capacity):
        self.rate, self.capacity = rate, capacity
        self.by_key = {}
        self.added = 0

    def of(self, key):
        allowance = self.by_key.get(key)
        if allowance is None:
            allowance = self.by_key[key] = Allowance(rate=self.rate, capacity=self.capacity)
            self.added += 1
            if self.added % self.PRUNE_EVERY == 0:
                self.prune()
        return allowance

    def prune(self):
        """Forget the allowances that are full again, so the map holds only customers active lately."""
        now = time.monotonic()
        self.by_key = {key: a for key, a in self.by_key.items() if not a.idle(now)}
