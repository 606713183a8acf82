"""Prometheus metrics of the chat side; one registry per process."""

from prometheus_client import Counter, Gauge, Histogram

sockets_open = Gauge("csbot_sockets_open", "WebSockets open", ["role"])
frames_in = Counter("csbot_frames_in_total", "Frames received", ["type", "encoding"])
frames_out = Counter("csbot_frames_out_total", "Frames sent", ["type", "encoding"])
bytes_in = Counter("csbot_bytes_in_total", "Bytes received on sockets", ["encoding", "compressed"])
bytes_out = Counter("csbot_bytes_out_total", "Bytes sent on sockets", ["encoding", "compressed"])
ack_latency = Histogram(
    "csbot_ack_latency_seconds",
    "From a customer message frame arriving to its ack leaving",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
closes = Counter("csbot_socket_closes_total", "Sockets closed by the server", ["code"])
resumes = Counter("csbot_resumes_total", "Resume attempts", ["recovered"])
replayed = Counter("csbot_replayed_messages_total", "Messages replayed on resume")
gap_repairs = Counter("csbot_gap_repairs_total", "Messages delivered from the database after a lost wake-up")
kicks = Counter("csbot_kicks_total", "Sockets replaced by another device")
channel_layer_errors = Counter("csbot_channel_layer_errors_total", "Channel layer sends that failed")
handoffs = Counter("csbot_handoffs_total", "Conversations handed to humans", ["reason"])
