"""Agent consoles following the simulated users' conversations: customer→agent delivery.

Each console signs in as a staff user, opens the agent socket on its own
instance and, once every user has synced, asks (in its `hello`) to follow its
share of the users' conversations, as a console resuming after a reload does.
From then on every message a followed user sends is timed from its scheduled
send until a console shows it, so the figure crosses instances through Redis
the way a real customer message reaches an agent.
"""

import asyncio
import json
import re
import time

import httpx
import websockets

from .plan import http_base

PING_EVERY_S = 10.0
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class ConsoleRefused(Exception):
    """The console socket answered with an error frame instead of syncing."""


class ConsoleWatch:
    """What the consoles expect and saw, shared with the users that send."""

    def __init__(self):
        self.followed = set()  # indexes of users whose conversation a synced console follows
        self.expected = {}  # client_msg_id -> scheduled send, for messages of followed users
        self.latency = []
        self.at = []  # when each timed message was scheduled
        self.duplicates = 0

    def on_send(self, user_index, client_msg_id, scheduled):
        if user_index in self.followed:
            self.expected[client_msg_id] = scheduled

    def on_frame(self, frame, now):
        if frame.get("type") != "message" or frame.get("sender") != "customer":
            return
        scheduled = self.expected.pop(frame.get("client_msg_id"), None)
        if scheduled is not None:
            self.latency.append(now - scheduled)
            self.at.append(scheduled)

    def undelivered(self, acked_ids):
        """Acknowledged messages of followed users that no console showed."""
        return sum(1 for client_msg_id in self.expected if client_msg_id in acked_ids)


async def sign_in(base, username, password, timeout):
    """Sign in through the admin login form; return the Cookie header of the session."""
    async with httpx.AsyncClient(timeout=timeout) as http:
        form = await http.get(f"{base}/admin/login/")
        token = CSRF_FIELD.search(form.text)
        if form.status_code != 200 or token is None:
            raise RuntimeError(f"console sign-in: no login form at {base}/admin/login/ ({form.status_code})")
        answer = await http.post(
            f"{base}/admin/login/", headers={"Referer": f"{base}/admin/login/"},
            data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1), "next": "/admin/"},
        )
        if answer.status_code != 302 or "sessionid" not in http.cookies:
            raise RuntimeError(f"console sign-in as {username!r} refused ({answer.status_code})")
        return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


class Console:
    """One agent console socket following a share of the users' conversations."""

    def __init__(self, plan, watch, rec, cookie, users):
        self.plan, self.watch, self.rec, self.cookie, self.users = plan, watch, rec, cookie, users
        self.seen = set()  # (conversation_id, seq) of message frames shown

    async def run(self, end_at):
        base = http_base(self.plan.console_url)
        url = f"{self.plan.console_url}/ws/agent/"
        headers = {"Cookie": self.cookie, "Origin": base}
        try:
            async with websockets.connect(url, additional_headers=headers, open_timeout=self.plan.timeout_s,
                                          max_queue=None) as ws:
                await self._hello(ws)
                await self._live(ws, end_at)
        except ConsoleRefused as exc:
            self.rec.error(f"console_refused_{exc}")
        except (TimeoutError, OSError, websockets.WebSocketException) as exc:
            self.rec.error(f"console_{type(exc).__name__}")

    async def _hello(self, ws):
        conversations = {u.conversation_id: u.last_seq for u in self.users if u.conversation_id is not None}
        await ws.send(_json({"type": "hello", "conversations": conversations}))
        deadline = time.monotonic() + self.plan.timeout_s
        while time.monotonic() < deadline:
            frame = _frame(await asyncio.wait_for(ws.recv(), self.plan.timeout_s))
            if frame.get("type") == "synced":
                self.watch.followed.update(u.index for u in self.users if u.conversation_id is not None)
                return
            if frame.get("type") == "error":
                raise ConsoleRefused(frame.get("code"))
            self._note(frame)
        raise TimeoutError

    async def _live(self, ws, end_at):
        next_ping = time.monotonic() + PING_EVERY_S
        stop_at = end_at + self.plan.drain_s
        while time.monotonic() < stop_at:
            if time.monotonic() >= end_at and not self.watch.expected:
                return
            if time.monotonic() >= next_ping:
                next_ping += PING_EVERY_S
                await ws.send(_json({"type": "ping", "ts": int(time.time() * 1000)}))
            try:
                payload = await asyncio.wait_for(ws.recv(), 1.0)
            except TimeoutError:
                continue
            self._note(_frame(payload))

    def _note(self, frame):
        if frame.get("type") != "message":
            return
        key = (frame.get("conversation_id"), frame.get("seq"))
        if key in self.seen:
            self.watch.duplicates += 1
        self.seen.add(key)
        self.watch.on_frame(frame, time.monotonic())


async def run_consoles(plan, rec, users, end_at):
    """Once every user has synced (or the run ends), sign in and follow the users from `plan.consoles` consoles."""
    watch = plan.console_watch
    try:
        await asyncio.wait_for(asyncio.gather(*(u.ready.wait() for u in users)), max(0.0, end_at - time.monotonic()))
    except TimeoutError:
        pass  # follow those that did connect
    try:
        cookie = await sign_in(http_base(plan.console_url), plan.console_user, plan.console_password, plan.timeout_s)
    except (httpx.HTTPError, RuntimeError) as exc:
        rec.error(f"console_sign_in_{type(exc).__name__}")
        return
    consoles = [Console(plan, watch, rec, cookie, users[i::plan.consoles]) for i in range(plan.consoles)]
    tasks = [asyncio.create_task(console.run(end_at)) for console in consoles]
    await asyncio.gather(*tasks)


def _json(frame):
    return json.dumps(frame, ensure_ascii=False)


def _frame(payload):
    try:
        frame = json.loads(payload)
    except ValueError:
        return {}
    return frame if isinstance(frame, dict) else {}
