"""The parameters of a load run."""

import dataclasses
import secrets
from urllib.parse import urlparse, urlunparse

# A question still without its answer this long after the schedule ends counts as unanswered.
BOT_ANSWER_WAIT_S = 15.0

TEXTS = ("where is my order?", "how do I get a refund?", "我的快递到哪里了？", "can I change my address?")


def http_base(ws_url):
    """Return the http(s) base URL for a ws(s) URL."""
    parsed = urlparse(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parsed.scheme, parsed.scheme)
    return urlunparse(parsed._replace(scheme=scheme, path="", params="", query="", fragment="")).rstrip("/")


def ws_base(url):
    """Return the ws(s) base URL for an http(s) or ws(s) URL."""
    parsed = urlparse(url)
    scheme = {"http": "ws", "https": "wss"}.get(parsed.scheme, parsed.scheme)
    return urlunparse(parsed._replace(scheme=scheme, path="", params="", query="", fragment="")).rstrip("/")


@dataclasses.dataclass
class Plan:
    url: str
    users: int
    rate: float  # messages per second per user
    duration_s: float
    encoding: str = "json"
    ramp: float = 50.0  # new connections per second
    agents: int = 0
    agent_url: str = ""
    timeout_s: float = 10.0
    drain_s: float = 5.0
    run_id: str = dataclasses.field(default_factory=lambda: "lt" + secrets.token_hex(4))
    reply_queue: object = None  # an asyncio.Queue when agents reply
    consoles: int = 0  # agent consoles following the users' conversations
    console_url: str = ""
    console_user: str = ""
    console_password: str = dataclasses.field(default="", repr=False)
    console_watch: object = None  # a ConsoleWatch when consoles run
    # Knowledge-base questions: users ask these (each with its own order number) and wait for the bot.
    bot_questions: tuple = ()

    def __post_init__(self):
        self.url = ws_base(self.url)
        self.http_url = http_base(self.url)
        self.agent_http_url = http_base(self.agent_url) if self.agent_url else ""
        self.console_url = ws_base(self.console_url) if self.console_url else ""
        if self.bot_questions:  # the last questions asked wait for their answers as long as any other
            self.drain_s = max(self.drain_s, BOT_ANSWER_WAIT_S)
        # An upper bound on the schedule, so every loop is bounded in count as well as time.
        self.max_messages = int(self.rate * self.duration_s) + 1

    def text(self, n, user_index=0):
        if self.bot_questions:
            # A fresh order number in every question: no cache of exact texts can answer it.
            question = self.bot_questions[(user_index * 7 + n) % len(self.bot_questions)]
            return f"{question} 订单号{user_index:05d}{n:04d}" if not question.isascii() else f"{question} order #{user_index:05d}{n:04d}"
        return TEXTS[n % len(TEXTS)]

    def on_send(self, user, client_msg_id, scheduled):
        """Tell the consoles a message is on its way, so they time its arrival."""
        if self.console_watch is not None:
            self.console_watch.on_send(user.index, client_msg_id, scheduled)

    def on_ack(self, user, client_msg_id):
        """Queue a reply from an agent's side for an acknowledged message."""
        if self.reply_queue is not None:
            self.reply_queue.put_nowait((user, client_msg_id))
