"""The customer socket at /ws/chat/: decode, authenticate, call an action, encode."""

import logging
import time
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from csbot import socket_guard

from . import db, limits, liveness, metrics, presence, realtime, takeover
from .accounts import read_token
from .admission import Overloaded, admission_gate
from .delivery import Delivery
from .dispatching import LeanDispatch
from .events import Kind, Receiver
from .presenters import error_frame, kick_frame, pong_frame
from .protocol.codecs import choose_codec
from .protocol.errors import CloseCode, ErrorCode, ProtocolError, soft
from .protocol.frames import validate_client_frame
from .protocol.wire import Wire
from .ratelimit import Allowances, TokenBucket
from .session import CustomerSession

log = logging.getLogger(__name__)
_history_allowances = {}


def history_allowance(customer_id):
    """The customer's allowance for history bytes in this process, kept across their sockets and reconnects."""
    key = (settings.CSBOT_HISTORY_BYTES_PER_S, settings.CSBOT_HISTORY_BURST_BYTES)
    allowances = _history_allowances.get(key)
    if allowances is None:
        allowances = _history_allowances[key] = Allowances(rate=key[0], capacity=key[1])
    return allowances.of(customer_id)


def bearer_token(scope):
    """Return the token from the Authorization header or the ?token= query."""
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


class CustomerConsumer(LeanDispatch, AsyncWebsocketConsumer):
    """One customer device's socket."""

    closing = False
    delivery = None
    generation = None  # this socket's claim on its device, from its last accepted hello

    @property
    def conversation_id(self):
        return self.delivery.conversation_id if self.delivery else None

    @property
    def synced(self):
        return bool(self.delivery and self.delivery.synced)

    async def dispatch(self, message):
        """Call the handler directly: actions manage their own database connections."""
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"no handler for {message['type']}")
        await handler(message)

    def subprotocol_for(self, offered):
        return choose_codec(offered).subprotocol

    async def connect(self):
        """Accept, then authenticate, so a bad token gets a readable 4401."""
        offered = self.scope.get("subprotocols") or []
        self.wire = Wire(
            choose_codec(offered),
            max_frame_bytes=settings.CSBOT_MAX_FRAME_BYTES,
            compress_min_bytes=settings.CSBOT_COMPRESS_MIN_BYTES,
        )
        await self.accept(self.wire.subprotocol if self.wire.subprotocol in offered else None)
        self.opened_at = self.last_rx = time.monotonic()
        self.bucket = TokenBucket(rate=settings.CSBOT_RATE_LIMIT_PER_S, capacity=settings.CSBOT_RATE_LIMIT_BURST)
        claims = read_token(bearer_token(self.scope))
        try:
            async with admission_gate().slot():
                self.session = await db.read(CustomerSession.load, claims) if claims else None
        except Overloaded:
            return await self.close_with(CloseCode.TRY_AGAIN_LATER)  # a reconnect storm: back off, come back
        if self.session is None:
            return await self.fail(ProtocolError(ErrorCode.UNAUTHORIZED, "log in again", close_code=CloseCode.UNAUTHORIZED))
        if self.session.blocked:
            return await self.fail(ProtocolError(ErrorCode.FORBIDDEN, "account blocked", close_code=CloseCode.FORBIDDEN))
        if not await limits.customer_may_send(self.session.customer_id):  # reconnecting does not refill it
            metrics.rate_limit_closes.inc()
            return await self.fail(ProtocolError(ErrorCode.RATE_LIMITED, "too many connects", close_code=CloseCode.RATE_LIMITED))
        group = realtime.customer_group(self.session.customer_id)
        if not await realtime.join(self.channel_layer, group, self.channel_name):
            return await self.close_with(CloseCode.TRY_AGAIN_LATER)  # deaf without it: retry elsewhere
        self.groups_joined = [group]
        self.delivery = Delivery(self)
        metrics.sockets_open.labels(role="customer").inc()
        liveness.register(self)
        await liveness.safely(presence.online([(self.session.customer_id, self.channel_name)]))
        log.info("socket open", extra={"event": "connect", "customer": self.session.customer_id, "device": self.session.device_id})

    async def disconnect(self, code):
        """Leave groups and stop watching; the database already has everything."""
        liveness.unregister(self)
        if self.delivery is not None:
            await liveness.safely(presence.offline(self.session.customer_id, self.channel_name))
        for group in getattr(self, "groups_joined", []):
            await realtime.leave(self.channel_layer, group, self.channel_name)
        if self.delivery is not None:
            metrics.sockets_open.labels(role="customer").dec()
            log.info(
                "socket closed",
                extra={"event": "close", "customer": self.session.customer_id, "device": self.session.device_id,
                       "code": code, "duration_s": round(time.monotonic() - self.opened_at, 3)},
            )

    async def receive(self, text_data=None, bytes_data=None):
        """Decode one frame and hand it to its handler; errors answer per the contract."""
        if self.closing or self.delivery is None:
            return
        if not socket_guard.admit(self.base_send, 0):
            self.closing = True  # closed for its backlog: what it sent since is not worth any work
            return
        self.last_rx = time.monotonic()
        metrics.count_in(self.wire, text_data, bytes_data)
        try:
            if not self.bucket.take():
                metrics.rate_limit_closes.inc()
                raise ProtocolError(ErrorCode.RATE_LIMITED, "too many frames", close_code=CloseCode.RATE_LIMITED)
            kind, fields = validate_client_frame(self.wire.decode(text=text_data, data=bytes_data))
            metrics.count_frame_in(kind, self.wire)
            if kind not in ("hello", "ping") and not self.synced:
                raise soft(ErrorCode.HELLO_REQUIRED, "send hello first")
            await getattr(self, f"on_{kind}")(fields)
        except ProtocolError as exc:
            await self.fail(exc)
        except Exception:
            log.exception("customer frame failed")
            await self.fail(ProtocolError(ErrorCode.SERVER_ERROR, "server error", close_code=CloseCode.SERVER_ERROR))

    async def send_frame(self, frame):
        """Encode and send one server frame; return its size."""
        kind, payload = self.wire.encode(frame)
        size = metrics.count_out(self.wire, frame["type"], kind, payload)
        if kind == "text":
            await self.send(text_data=payload)
        else:
            await self.send(bytes_data=payload)
        return size

    async def fail(self, error):
        """Send the error frame; close the socket when the error is fatal."""
        await self.send_frame(error.frame())
        if error.close_code is not None:
            log.info("socket error", extra={"event": "error", "customer": getattr(self.session, "customer_id", None),
                                            "error": str(error.code), "close_code": int(error.close_code)})
            await self.close_with(error.close_code)

    async def close_with(self, code):
        if not self.closing:
            self.closing = True
            metrics.closes.labels(code=str(int(code))).inc()
            await self.close(code=int(code))

    # --- client frames ---------------------------------------------------

    async def on_hello(self, fields):
        """Answer with welcome, the replay or latest page, then synced."""
        if fields["device_id"] != self.session.device_id:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "token belongs to another device", close_code=CloseCode.UNAUTHORIZED)
        self.wire.peer_snappy = "snappy" in fields["compress"]
        try:
            self.generation = await self.delivery.hello(fields)
        except Overloaded:
            return await self.close_with(CloseCode.TRY_AGAIN_LATER)  # the client backs off and comes back
        await realtime.announce_connection(
            self.session.customer_id, self.session.device_id, self.channel_name, self.generation
        )

    async def on_message(self, fields):
        """Store the message once and acknowledge it; the customer's shared bucket bounds all their sockets."""
        if not await limits.customer_may_send(self.session.customer_id):
            metrics.rate_limit_closes.inc()
            raise ProtocolError(ErrorCode.RATE_LIMITED, "too many messages", close_code=CloseCode.RATE_LIMITED)
        started = time.perf_counter()
        await self.delivery.record(fields["client_msg_id"], fields["text"], fields.get("media_id"))
        metrics.ack_latency.observe(time.perf_counter() - started)

    async def on_ping(self, fields):
        await self.send_frame(pong_frame(fields["ts"]))

    async def on_read(self, fields):
        await self.delivery.mark_read(fields["seq"])

    async def on_typing(self, fields):
        now = time.monotonic()
        if now - getattr(self, "last_typing", 0) >= 2:
            self.last_typing = now
            await realtime.customer_typing(self.conversation_id)

    async def on_handoff(self, fields):
        await self.delivery.handoff(fields["reason"])

    async def on_rate(self, fields):
        await self.delivery.rate(fields)

    async def on_history(self, fields):
        """Answer a page, unless the customer asked for too many lately or this socket cannot take it."""
        allowance = history_allowance(self.session.customer_id)
        if not allowance.available():
            metrics.rate_limit_closes.inc()
            raise ProtocolError(ErrorCode.RATE_LIMITED, "too many history pages", close_code=CloseCode.RATE_LIMITED)
        if not socket_guard.admit(self.base_send, settings.CSBOT_HISTORY_MAX_BYTES):
            self.closing = True
            return
        allowance.charge(await self.delivery.history(fields["before_seq"], fields["limit"]))

    # --- channel-layer events --------------------------------------------

    async def chat_event(self, event):
        """Turn a wake-up from the channel layer into frames for this client."""
        if self.closing or self.delivery is None:
            return
        handler = RECEIVER.handler(event)
        if handler is not None:
            await handler(self, event)

    async def on_connected_elsewhere(self, event):
        """Give way to a newer socket of this customer, per the device policy."""
        if event["channel"] == self.channel_name or self.generation is None:
            return
        if event["device_id"] == self.session.device_id:
            if event.get("generation", 0) > self.generation:
                await self.give_way(CloseCode.REPLACED_ON_DEVICE)
        elif settings.CSBOT_DEVICE_POLICY == "single":
            # A wake-up may be late: the database says which device said hello last.
            key = (self.session.customer_id, self.session.device_id)
            await self.check_claim((await db.read(takeover.current_claims, [key])).get(key))

    async def check_claim(self, claim):
        """Close this socket if the durable record says a newer one replaced it, or the customer is blocked."""
        if claim is not None and claim.blocked:
            return await self.on_blocked()
        code = takeover.verdict(claim, device_id=self.session.device_id, generation=self.generation,
                                policy=settings.CSBOT_DEVICE_POLICY)
        if code is not None and not self.closing:
            await self.give_way(code)

    async def give_way(self, code):
        if code == CloseCode.REPLACED:
            metrics.kicks.inc()
            await self.send_frame(kick_frame("signed_in_elsewhere"))
        await self.close_with(code)

    async def on_blocked(self, event=None):
        """The customer was blocked from the admin: their tokens are revoked, so this socket closes."""
        await self.send_frame(kick_frame("blocked"))
        await self.close_with(CloseCode.FORBIDDEN)

    # --- called by the process-wide watcher ------------------------------

    async def heartbeat_timeout(self):
        # Two sweeps may find the same silent socket before its close completes: count it once.
        if not self.closing and not getattr(self, "timed_out", False):
            self.timed_out = True
            metrics.heartbeat_timeouts.inc()
            await self.send_frame(error_frame(ErrorCode.HEARTBEAT_TIMEOUT, "no frame within 3 heartbeats"))
            await self.close_with(CloseCode.HEARTBEAT_TIMEOUT)

    async def reconcile(self, last_seq, status):
        if not self.closing:
            await self.delivery.reconcile(last_seq, status)


# Plain functions that return the delivery's coroutine: no extra task or frame per event on the socket.
def _message(consumer, event):
    return consumer.delivery.on_message(event)


def _status(consumer, event):
    return consumer.delivery.on_status(event)


def _frame(consumer, event):
    return consumer.delivery.on_frame(event)


RECEIVER = Receiver("customer socket", {
    Kind.CONNECTED: CustomerConsumer.on_connected_elsewhere,
    Kind.BLOCKED: CustomerConsumer.on_blocked,
    Kind.MESSAGE: _message,
    Kind.STATUS: _status,
    Kind.STREAM: _frame,
    Kind.RECEIPT: _frame,
    Kind.TYPING: _frame,
    Kind.RATED: _frame,
})
