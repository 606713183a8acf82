"""Idle customers for the reconnect storm: connected, silent but for the heartbeat, and back like the SDK after a close.

They run in worker processes of their own (`start_workers`), so the
handshakes and heartbeats of thousands of sockets do not slow the event loop
that times the chatters' acks. Each process reports, through shared
counters, how many of its sockets are synced on each instance, and at the
end a list of events: when each customer first synced, when one whose socket
closed was synced again, and every close code or connect failure.
"""

import asyncio
import json
import multiprocessing
import queue
import time

import httpx
import websockets

from .backoff import full_jitter
from .plan import http_base

SUBPROTOCOL = "csbot.v1.json"
MAX_SESSIONS = 200  # per customer: a bound on reconnects, whatever the servers do
RESTARTING = 1001  # the SDK resumes at once after it, without waiting


class Shared:
    """Counters the idle processes update and the scenario reads while they run."""

    def __init__(self, ctx, instances, end_at):
        self.held = ctx.Array("i", instances)  # sockets synced now, per instance
        self.end_at = ctx.Value("d", end_at)  # monotonic: the storm moves it once it knows its schedule
        self.results = ctx.Queue()

    def synced(self):
        return sum(self.held[:])


class IdleCustomer:
    """One customer that keeps a socket open and resumes its conversation after every close."""

    def __init__(self, index, urls, token, device_id, shared, events, timeout_s):
        self.index, self.urls, self.token, self.device_id, self.shared = index, urls, token, device_id, shared
        self.events, self.timeout_s = events, timeout_s
        self.next_url = index  # spread over the instances; after a close, on to the next one
        self.conversation_id, self.last_seq = None, 0
        self.closed_at = None  # when the last synced socket closed, until synced again
        self.synced_once = False
        self.heartbeat_s = 10

    async def run(self):
        attempt = 0
        for _ in range(MAX_SESSIONS):
            if time.monotonic() >= self.shared.end_at.value:
                break
            url_index = self.next_url % len(self.urls)
            self.next_url += 1
            code = await self._session(url_index)
            if code is None:
                attempt = 0
                continue
            self.events.append(("close", str(code)))
            self.closed_at = self.closed_at or time.monotonic()
            delay = 0.0 if code == RESTARTING else full_jitter(attempt)
            attempt += 1
            await asyncio.sleep(min(delay, max(0.0, self.shared.end_at.value - time.monotonic())))
        if self.closed_at is not None:
            self.events.append(("not_back", self.index, self.closed_at))

    async def _session(self, url_index):
        """Connect, resume, idle until the end; return the close code or failure, or None after a clean end."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            async with websockets.connect(f"{self.urls[url_index]}/ws/chat/", additional_headers=headers,
                                          subprotocols=[SUBPROTOCOL], open_timeout=self.timeout_s,
                                          ping_interval=None, max_queue=None) as ws:
                await self._hello(ws)
                self._synced(url_index)
                try:
                    await self._idle(ws)
                finally:
                    with self.shared.held.get_lock():
                        self.shared.held[url_index] -= 1
                return None
        except websockets.ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else 1006
        except (TimeoutError, OSError, websockets.WebSocketException) as exc:
            return type(exc).__name__

    async def _hello(self, ws):
        hello = {"type": "hello", "device_id": self.device_id, "platform": "devtools"}
        if self.conversation_id is not None:
            hello["resume"] = {"conversation_id": self.conversation_id, "last_seq": self.last_seq}
        await ws.send(json.dumps(hello))
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            frame = json.loads(await asyncio.wait_for(ws.recv(), self.timeout_s))
            if frame.get("type") == "welcome":
                self.conversation_id = frame["conversation"]["id"]
                self.last_seq = max(self.last_seq, frame.get("last_seq") or 0)
                self.heartbeat_s = frame.get("heartbeat_s") or self.heartbeat_s
            elif frame.get("type") == "synced":
                return
        raise TimeoutError

    def _synced(self, url_index):
        now = time.monotonic()
        with self.shared.held.get_lock():
            self.shared.held[url_index] += 1
        if not self.synced_once:
            self.events.append(("first", self.index, now, url_index))
        elif self.closed_at is not None:
            self.events.append(("back", self.index, self.closed_at, now, url_index))
        self.synced_once, self.closed_at = True, None

    async def _idle(self, ws):
        """Ping every heartbeat until the end of the storm; a close raises ConnectionClosed."""
        while (left := self.shared.end_at.value - time.monotonic()) > 0:
            await ws.send(json.dumps({"type": "ping", "ts": int(time.time() * 1000)}))
            wake = time.monotonic() + min(self.heartbeat_s, left)
            while (wait := wake - time.monotonic()) > 0:
                try:
                    await asyncio.wait_for(ws.recv(), wait)
                except TimeoutError:
                    break


async def login(http, url, openid, device_id):
    """Return a token from the instance's dev login, or None when it refuses."""
    body = {"openid": openid, "device_id": device_id, "platform": "devtools"}
    try:
        answer = await http.post(f"{http_base(url)}/api/auth/dev-login", json=body)
    except httpx.HTTPError:
        return None
    return answer.json()["token"] if answer.status_code == 200 else None


async def run_idle(part, urls, shared, ramp, timeout_s, run_id):
    """Ramp up this process's customers at `ramp` per second and keep them until the end; return their events."""
    events = []
    tasks = []
    async with httpx.AsyncClient(timeout=timeout_s) as http:
        started = time.monotonic()
        for n, (index, token, device_id) in enumerate(part):
            await asyncio.sleep(max(0.0, started + n / ramp - time.monotonic()))
            if time.monotonic() >= shared.end_at.value:
                break
            device_id = device_id or f"lt-idle-{index}"
            token = token or await login(http, urls[index % len(urls)], f"{run_id}-idle-{index}", device_id)
            if token is None:
                events.append(("close", "login_refused"))
                continue
            customer = IdleCustomer(index, urls, token, device_id, shared, events, timeout_s)
            tasks.append(asyncio.create_task(customer.run()))
    await asyncio.gather(*tasks)
    return events


def idle_process(part, urls, shared, ramp, timeout_s, run_id):
    """The worker process: run its share of customers and hand their events back."""
    try:
        events = asyncio.run(run_idle(part, urls, shared, ramp, timeout_s, run_id))
    except Exception as exc:  # the scenario reports it instead of waiting for events that never come
        events = [("close", f"worker_{type(exc).__name__}")]
    shared.results.put(events)


def start_workers(customers, urls, *, workers, ramp, timeout_s, run_id, end_at):
    """Start `workers` processes sharing the customers (index, token, device id; or None, None to log in).

    Return the shared counters and the processes.
    """
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no copy of this process's sockets or threads
    shared = Shared(ctx, len(urls), end_at)
    procs = []
    for w in range(workers):
        args = (customers[w::workers], urls, shared, ramp / workers, timeout_s, run_id)
        procs.append(ctx.Process(target=idle_process, args=args, daemon=True, name=f"loadtest-idle-{w}"))
    for proc in procs:
        proc.start()
    return shared, procs


def collect(shared, procs, *, timeout_s):
    """Wait (at most `timeout_s`) for every worker's events; stop any worker still running. Blocking."""
    events = []
    deadline = time.monotonic() + timeout_s
    for _ in procs:
        try:
            events.extend(shared.results.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:  # a worker that hung or died shows as customers that never synced
            break
    for proc in procs:
        proc.join(timeout=max(0.1, deadline - time.monotonic()))
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=5)
    return events
