"""What a load run observed, and its report."""

import collections
import math
import time


def percentile(values, p):
    """Return the p-th percentile (nearest rank) of a list, or None when it is empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * p / 100) - 1))]


def summary_ms(values):
    """Return count, mean, p50, p95, p99 and max of latencies in seconds, as milliseconds."""
    if not values:
        return {"count": 0}
    ms = [v * 1000 for v in values]
    return {
        "count": len(ms), "mean": round(sum(ms) / len(ms), 1), "p50": round(percentile(ms, 50), 1),
        "p95": round(percentile(ms, 95), 1), "p99": round(percentile(ms, 99), 1), "max": round(max(ms), 1),
    }


def after(latencies, times, start):
    """The latencies whose message was scheduled at or after `start`."""
    return [latency for latency, at in zip(latencies, times) if at >= start]


class Recorder:
    """Counters and latency samples shared by every simulated user."""

    def __init__(self):
        self.started = time.monotonic()
        self.connects = 0
        self.connected = 0
        self.reconnects = 0
        self.sent = 0
        self.acked = 0
        self.resent = 0
        self.replies_sent = 0
        self.delivered = 0
        self.client_duplicates = 0
        self.ack_latency = []
        self.ack_at = []  # when each timed message was scheduled, to split ramp from steady state
        self.delivery_latency = []
        self.delivery_at = []
        self.connect_times = []
        self.loop_lag = []  # how late the generator's own event loop woke, sampled every 10 ms
        self.loop_lag_at = []
        self.first_connects = []  # when each user's first connection synced
        self.resync = []  # a socket closing -> the same user synced again on a new one (restarts, kills)
        self.resync_at = []  # when each of those sockets closed
        self.errors = collections.Counter()
        # The bot scenario: each acked question timed from its scheduled send to the bot's reply.
        self.bot_latency = []
        self.bot_at = []
        self.bot_answered = 0
        self.bot_superseded = 0  # a newer question of the same user came first: only the newest is answered
        self.bot_handed_off = 0  # users whose conversation went to a person (the bot is silent from then on)

    def error(self, kind):
        self.errors[kind] += 1

    def progress(self, users, shown_to_agents=None):
        """Return the one-line progress shown on stderr (with what the consoles showed, when there are any)."""
        ack = percentile(self.ack_latency[-500:], 50)
        ack_ms = f"{ack * 1000:.0f}ms" if ack is not None else "-"
        to_agents = f" to agents {shown_to_agents}" if shown_to_agents is not None else ""
        return (
            f"t={time.monotonic() - self.started:5.0f}s connected {self.connected}/{users} sent {self.sent} "
            f"acked {self.acked} delivered {self.delivered}{to_agents} ack p50 {ack_ms} "
            f"errors {sum(self.errors.values())}"
        )
