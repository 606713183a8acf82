"""One simulated mini-program user: log in, connect, chat on a fixed schedule, heartbeat, resume."""

import asyncio
import random
import time

import websockets

from .backoff import full_jitter
from .wire import ClientWire

# Close codes after which the SDK stops instead of reconnecting.
FINAL_CODES = {1009, 4400, 4403, 4409}


class SimUser:
    """A user whose messages are timed from their scheduled send, so a slow server cannot hide delay."""

    def __init__(self, index, plan, recorder, http, token=None, device_id=None):
        self.index, self.plan, self.rec, self.http = index, plan, recorder, http
        self.openid = f"{plan.run_id}-{index}"
        self.device_id = device_id or f"lt-{index}"
        self.token = token
        self.wire = ClientWire(plan.encoding)
        self.ws = None
        self.pending = {}  # client_msg_id -> scheduled send time, until acked
        self.acked_ids = set()
        self.replies = {}  # reply client_msg_id -> time the reply was posted
        self.replies_seen = set()
        self.seen = set()  # (conversation_id, seq) of message frames received
        self.conversation_id = None
        self.have = set()  # seqs beyond last_seq already shown
        self.last_seq = 0
        self.stopped = False
        self.heartbeat_s = 10
        self.sessions = 0
        self.paging = False
        self.closed_at = None  # when the last socket closed, to time the way back to synced
        self.ready = asyncio.Event()  # set once the first connection has synced
        self._bot_seen = set()
        self.questions = {}  # seq of an acked question -> its scheduled send, until the bot replies
        self.handed_off = False

    # --- the run -----------------------------------------------------------

    async def run(self, start_at, end_at):
        """Connect at `start_at`, chat until `end_at`, then wait briefly for outstanding acks."""
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        sender = asyncio.create_task(self._send_on_schedule(end_at))
        attempt = 0
        try:
            while not self.stopped and time.monotonic() < end_at:
                if await self._session(end_at):
                    attempt = 0
                    continue
                # The SDK's full-jitter backoff, cut short by the end of the run.
                await asyncio.sleep(min(full_jitter(attempt), max(0.0, end_at - time.monotonic())))
                attempt += 1
        finally:
            sender.cancel()

    async def _login(self):
        body = {"openid": self.openid, "device_id": self.device_id, "platform": "devtools"}
        response = await self.http.post(f"{self.plan.http_url}/api/auth/dev-login", json=body)
        if response.status_code != 200:
            self.rec.error(f"login_{response.status_code}")
            return False
        self.token = response.json()["token"]
        return True

    async def _session(self, end_at):
        """Run one connection; return True when it ended for a reason worth reconnecting at once."""
        if self.token is None and not await self._login():
            return False
        started = time.monotonic()
        ws = None
        try:
            ws = await websockets.connect(
                f"{self.plan.url}/ws/chat/", additional_headers={"Authorization": f"Bearer {self.token}"},
                subprotocols=[self.wire.subprotocol], open_timeout=self.plan.timeout_s, max_queue=None,
            )
            await self._hello(ws)
        except (TimeoutError, OSError, websockets.WebSocketException) as exc:
            self.rec.error(f"connect_{type(exc).__name__}")
            if ws is not None:
                await ws.close()
            return False
        self.ws = ws  # only now may the schedule send on it: messages before hello are refused
        self.ready.set()
        if self.sessions == 0:
            self.rec.first_connects.append(time.monotonic())
        elif self.closed_at is not None:
            self.rec.resync.append(time.monotonic() - self.closed_at)
            self.rec.resync_at.append(self.closed_at)
        self.rec.connect_times.append(time.monotonic() - started)
        self.rec.connects += 1
        self.sessions += 1
        self.rec.reconnects += self.sessions > 1
        self.rec.connected += 1
        try:
            await self._resend_pending()
            return await self._live(end_at)
        finally:
            self.rec.connected -= 1
            self.closed_at = time.monotonic()
            ws, self.ws = self.ws, None  # sends wait for the next connection
            await ws.close()

    async def _hello(self, ws):
        hello = {"type": "hello", "device_id": self.device_id, "platform": "devtools"}
        if self.conversation_id is not None:
            hello["resume"] = {"conversation_id": self.conversation_id, "last_seq": self.last_seq}
        await ws.send(self.wire.encode(hello))
        deadline = time.monotonic() + self.plan.timeout_s
        while time.monotonic() < deadline:
            frame = self.wire.decode(await asyncio.wait_for(ws.recv(), self.plan.timeout_s))
            if frame["type"] == "welcome":
                # Without recovery the server sends the latest page, which may repeat what was seen.
                self.paging = not frame.get("recovered")
                self.heartbeat_s = frame.get("heartbeat_s") or self.heartbeat_s
                conversation_id = frame["conversation"]["id"]
                if not frame.get("recovered"):
                    self._follow(conversation_id)
                    self.last_seq = frame.get("last_seq", 0)
                elif conversation_id != self.conversation_id:
                    self.rec.error("resumed_into_other_conversation")
            elif frame["type"] == "synced":
                self.paging = False
                return
            else:
                self._note(frame)
        raise TimeoutError

    async def _live(self, end_at):
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            while time.monotonic() < end_at + self.plan.drain_s and not self.stopped:
                try:
                    payload = await asyncio.wait_for(self.ws.recv(), 1.0)
                except TimeoutError:
                    if time.monotonic() >= end_at and not self.pending and self._replies_done() \
                            and not self.questions:
                        return True
                    continue
                self._note(self.wire.decode(payload))
            return True
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else 1006
            self.rec.error(f"closed_{code}")
            if code == 4401:
                self.token = None
            self.stopped = code in FINAL_CODES
            return code in (1000, 1001)
        finally:
            heartbeat.cancel()

    async def _heartbeat(self):
        while True:
            await asyncio.sleep(self.heartbeat_s)
            await self._send({"type": "ping", "ts": int(time.time() * 1000)})

    # --- messages ----------------------------------------------------------

    async def _send_on_schedule(self, end_at):
        """Send message n at first + n / rate, whatever happened to earlier ones."""
        # A user starts typing once the chat has opened; from then on the schedule never waits.
        try:
            await asyncio.wait_for(self.ready.wait(), max(0.0, end_at - time.monotonic()))
        except TimeoutError:
            return
        interval = 1.0 / self.plan.rate
        first = time.monotonic() + random.uniform(0, interval)
        for n in range(self.plan.max_messages):
            scheduled = first + n * interval
            if scheduled >= end_at:
                return
            await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
            client_msg_id = f"{self.plan.run_id}-{self.index}-{n}"
            self.pending[client_msg_id] = scheduled
            self.rec.sent += 1
            self.plan.on_send(self, client_msg_id, scheduled)
            await self._send({"type": "message", "client_msg_id": client_msg_id, "text": self.plan.text(n, self.index)})

    async def _resend_pending(self):
        """Send again what got no ack; the server stores each client_msg_id once."""
        for client_msg_id in list(self.pending):
            self.rec.resent += 1
            await self._send({"type": "message", "client_msg_id": client_msg_id, "text": self.plan.text(0)})

    async def _send(self, frame):
        if self.ws is None:
            return  # sent again on the next connection
        try:
            await self.ws.send(self.wire.encode(frame))
        except websockets.ConnectionClosed:
            pass  # the reader sees the close and reconnects

    def _note(self, frame):
        kind = frame["type"]
        now = time.monotonic()
        if kind == "ack":
            scheduled = self.pending.pop(frame["client_msg_id"], None)
            if scheduled is not None:
                self.rec.ack_latency.append(now - scheduled)
                self.rec.ack_at.append(scheduled)
                self.rec.acked += 1
                self.acked_ids.add(frame["client_msg_id"])
                self.plan.on_ack(self, frame["client_msg_id"])
                if self.plan.bot_questions and not self.handed_off:
                    self.questions[frame["seq"]] = scheduled
            self._saw(frame["conversation_id"], frame["seq"])
        elif kind == "message":
            key = (frame["conversation_id"], frame["seq"])
            if key in self.seen and not self.paging:
                self.rec.client_duplicates += 1
            self.seen.add(key)
            if frame.get("sender") == "bot" and key not in self._bot_seen:
                self._bot_seen.add(key)
                self._bot_replied(frame["seq"], now)
            posted = self.replies.get(frame.get("client_msg_id"))
            if posted is not None and frame["client_msg_id"] not in self.replies_seen:
                self.replies_seen.add(frame["client_msg_id"])
                self.rec.delivery_latency.append(now - posted)
                self.rec.delivery_at.append(posted)
                self.rec.delivered += 1
            self._saw(frame["conversation_id"], frame["seq"])
        elif kind == "status" and frame.get("status") != "closed" and frame["conversation_id"] != self.conversation_id:
            self._follow(frame["conversation_id"])
        if kind == "status" and frame.get("status") in ("queued", "agent") and self.plan.bot_questions:
            if not self.handed_off:
                self.handed_off = True
                self.rec.bot_handed_off += 1
            self.questions.clear()  # a person owns the chat: the bot stays silent, by design
        elif kind == "error":
            self.rec.error(f"error_{frame.get('code')}")
        elif kind == "kick":
            self.rec.error("kicked")

    def _bot_replied(self, seq, now):
        """Time the newest question the reply follows; older waiting ones were superseded by it."""
        before = [q for q in self.questions if q < seq]
        if not before:
            return
        newest = max(before)
        self.rec.bot_latency.append(now - self.questions.pop(newest))
        self.rec.bot_at.append(now)
        self.rec.bot_answered += 1
        for older in before:
            if older != newest:
                self.questions.pop(older)
                self.rec.bot_superseded += 1

    def _follow(self, conversation_id):
        self.conversation_id = conversation_id
        self.last_seq = 0
        self.have.clear()

    def _saw(self, conversation_id, seq):
        """Advance the resume point only over seqs seen without a gap."""
        if conversation_id != self.conversation_id or seq <= self.last_seq:
            return
        self.have.add(seq)
        while self.last_seq + 1 in self.have:
            self.last_seq += 1
            self.have.discard(self.last_seq)

    def _replies_done(self):
        return len(self.replies_seen) >= len(self.replies)
