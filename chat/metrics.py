"""Prometheus metrics of the chat side; one registry per process.

Each daphne process serves its own /metrics; Prometheus scrapes every
instance as a separate target, so no multiprocess mode is involved.
"""

import time

from prometheus_client import Counter, Gauge, Histogram

# Socket and chat latencies live between a millisecond and a few seconds.
FAST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
# The bot waits on an LLM: its latencies live between 100 ms and a minute.
BOT_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60)

sockets_open = Gauge("csbot_sockets_open", "WebSockets open", ["role"])
frames_in = Counter("csbot_frames_in_total", "Frames received", ["type", "encoding"])
frames_out = Counter("csbot_frames_out_total", "Frames sent", ["type", "encoding"])
bytes_in = Counter("csbot_bytes_in_total", "Bytes received on sockets", ["encoding", "compressed"])
bytes_out = Counter("csbot_bytes_out_total", "Bytes sent on sockets", ["encoding", "compressed"])
ack_latency = Histogram(
    "csbot_ack_latency_seconds", "From a customer message frame arriving to its ack leaving", buckets=FAST_BUCKETS
)
agent_delivery_latency = Histogram(
    "csbot_agent_delivery_latency_seconds",
    "From a customer message being stored to an agent console receiving it",
    buckets=FAST_BUCKETS,
)
bot_first_delta_latency = Histogram(
    "csbot_bot_first_delta_seconds", "From a customer message being stored to the bot's first stream delta",
    buckets=BOT_BUCKETS,
)
bot_answer_latency = Histogram(
    "csbot_bot_answer_seconds", "From a customer message being stored to the bot's full answer being stored",
    buckets=BOT_BUCKETS,
)
closes = Counter("csbot_socket_closes_total", "Sockets closed by the server", ["code"])
resumes = Counter("csbot_resumes_total", "Resume attempts", ["recovered"])
replayed = Counter("csbot_replayed_messages_total", "Messages replayed on resume")
admission_wait = Histogram(
    "csbot_admission_wait_seconds", "Time a connect or hello waited for its turn to read the database",
    buckets=(0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
admission_refused = Counter("csbot_admission_refused_total", "Connects and hellos turned away with 1013 in a reconnect storm", ["reason"])
gap_repairs = Counter("csbot_gap_repairs_total", "Messages delivered from the database after a lost wake-up")
kicks = Counter("csbot_kicks_total", "Sockets replaced by another device")
heartbeat_timeouts = Counter("csbot_heartbeat_timeouts_total", "Sockets closed for sending nothing in 3 heartbeats")
rate_limit_closes = Counter("csbot_rate_limit_closes_total", "Sockets closed for sending frames too fast")
rate_limited_http = Counter("csbot_http_rate_limited_total", "HTTP messages refused by a rate limit", ["bucket"])
rate_limit_store_errors = Counter("csbot_rate_limit_store_errors_total", "Rate-limit checks let through because Redis failed")
channel_layer_errors = Counter("csbot_channel_layer_errors_total", "Channel layer sends that failed")
notifications = Counter(
    "csbot_notifications_total", "Subscribe messages by result (sent, skipped, retry, failed)", ["result"]
)
content_checks = Counter(
    "csbot_content_checks_total", "Customer texts checked for content safety, by result (pass, refused, error)", ["result"]
)
handoffs = Counter("csbot_handoffs_total", "Conversations handed to humans", ["reason"])


def child(metric, *values):
    """Return the metric's child for these label values, looked up once.

    `labels()` validates and locks on every call; on the socket path, which
    counts every frame twice, that was a measurable share of the event loop.
    Label values here come from fixed sets (frame types, encodings), so the
    cache stays small.
    """
    key = (metric, values)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*values)
    return found


_children = {}


def count_in(wire, text=None, data=None):
    """Count the bytes of one incoming WebSocket message."""
    if text is not None:
        size, compressed = len(text.encode()), False
    else:
        size, compressed = len(data or b""), bool(data and data[0] & 0x01)
    child(bytes_in, wire.subprotocol, _flag(compressed)).inc(size)


def count_frame_in(kind, wire):
    child(frames_in, kind, wire.subprotocol).inc()


def count_out(wire, frame_type, kind, payload):
    """Count one outgoing frame and its bytes as `Wire.encode` returned them; return its size in bytes."""
    if kind == "text":
        size, compressed = len(payload.encode()), False
    else:
        size, compressed = len(payload), bool(payload and payload[0] & 0x01)
    child(bytes_out, wire.subprotocol, _flag(compressed)).inc(size)
    child(frames_out, frame_type, wire.subprotocol).inc()
    return size


def _flag(value):
    return "true" if value else "false"


def seconds_since_ms(ts_ms, now=None):
    """Return the seconds since an epoch-milliseconds timestamp, never negative."""
    return max(0.0, (time.time() if now is None else now) - ts_ms / 1000)


def observe_agent_delivery(frame):
    """Record how long a customer message took to reach an agent console.

    Call it where the agent consumer sends a `message` frame; frames of other
    senders and frames without `ts` are ignored.
    """
    if frame.get("sender") == "customer" and isinstance(frame.get("ts"), int):
        agent_delivery_latency.observe(seconds_since_ms(frame["ts"]))


def observe_bot_first_delta(question_ts_ms):
    """Record the bot's time to its first stream delta, from the question's `ts`."""
    bot_first_delta_latency.observe(seconds_since_ms(question_ts_ms))


def observe_bot_answer(question_ts_ms):
    """Record the bot's time to its stored full answer, from the question's `ts`."""
    bot_answer_latency.observe(seconds_since_ms(question_ts_ms))
