"""Faults while customers chat: three instances, kill -9 twice, Redis down for 5 s, flapping sockets, second devices.

    .venv/bin/python bench/fault_scenario.py [--users 60] [--rate 1] [--duration 50] [--runs 5]

Needs TEST_DATABASE_URL (PostgreSQL); Redis is a private server on a port of
its own, since the run stops it. Three supervised daphne instances share
them (each restarted when it exits, as systemd does). Every user connects to
the instances in turn, so a reconnect lands anywhere. During the run:

- t = 10 s: kill -9 the first instance (it starts again);
- t = 20 s: Redis stops for 5 s;
- t = 32 s: kill -9 the second instance;
- every 4-8 s, a third of the users drop their socket without a close frame;
- a sixth of the users sign in on a second device at a random time; the
  first device must then be told (`kick`, close 4409) and stop.

Each run prints acked, lost, duplicated, conversations with seq gaps (checked
against the database), kicks due and delivered with the slowest delivery,
and tracebacks in the instances' logs. Loopback only; every loop is bounded
by the run's duration.
"""

import argparse
import asyncio
import json
import random
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.rolling_restart import check_database  # noqa: E402
from scripts.prod_like import Instance  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.servers import Database, RedisServer  # noqa: E402

TEXTS = ("where is my order?", "我的快递到哪里了？", "can I change my address?", "退钱要多久")


class Tally:
    def __init__(self, grace_s):
        self.acked, self.sent, self.closes = [], 0, {}
        self.grace_s = grace_s  # a kick lost with Redis must still land by reconcile: CSBOT_RECONCILE_S + a margin
        self.kicks = {"due": 0, "delivered": 0, "moot": 0, "missed": 0}
        self.kick_delays = []

    def closed(self, code):
        self.closes[code] = self.closes.get(code, 0) + 1

    def settle(self, device, kicked, now):
        """Resolve the kicks a device was due: it was told, its socket died first, or it never was told."""
        for due_at in device.dues:
            if kicked:
                self.kicks["delivered"] += 1
                self.kick_delays.append(now - due_at)
            else:
                self.kicks["moot" if now - due_at <= self.grace_s else "missed"] += 1
        device.dues = []


class Device:
    """One device of one customer: connects to the instances in turn, resumes, resends what got no ack."""

    def __init__(self, plan, tally, customer, device_id, first_port, run_id, sends):
        self.plan, self.tally, self.customer, self.device_id = plan, tally, customer, device_id
        self.openid = customer["openid"]
        customer["devices"].append(self)
        self.port_index, self.run_id, self.sends = first_port, run_id, sends
        self.token, self.ws, self.conversation_id, self.last_seq = None, None, None, 0
        self.pending, self.stopped = {}, False
        self.dues = []  # when another device of this customer said hello while this one was connected

    def url(self):
        port = self.plan.ports[self.port_index % len(self.plan.ports)]
        self.port_index += 1
        return port

    async def login(self, http):
        for _ in range(20):
            port = self.url()
            try:
                answer = await http.post(f"http://127.0.0.1:{port}/api/auth/dev-login",
                                         json={"openid": self.openid, "device_id": self.device_id, "platform": "devtools"})
                if answer.status_code == 200:
                    self.token = answer.json()["token"]
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        return False

    async def run(self, http, end_at, flappy):
        if not await self.login(http):
            return
        sender = asyncio.create_task(self.send_on_schedule(end_at)) if self.sends else None
        failures = 0
        try:
            while not self.stopped and time.monotonic() < end_at:
                if await self.session(end_at, flappy):
                    failures = 0
                    continue
                failures += 1
                await asyncio.sleep(min(5.0, 0.2 * 2 ** failures) * random.uniform(0.5, 1.0))
        finally:
            if sender:
                sender.cancel()

    async def session(self, end_at, flappy):
        port = self.url()
        try:
            ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/chat/", open_timeout=10, max_queue=None,
                                          additional_headers={"Authorization": f"Bearer {self.token}"},
                                          subprotocols=["csbot.v1.json"])
        except (OSError, asyncio.TimeoutError, websockets.WebSocketException):
            return False
        hello = {"type": "hello", "device_id": self.device_id, "platform": "devtools"}
        if self.conversation_id:
            hello["resume"] = {"conversation_id": self.conversation_id, "last_seq": self.last_seq}
        flap_at = time.monotonic() + random.uniform(4, 8) if flappy else None
        try:
            await ws.send(json.dumps(hello))
            while time.monotonic() < end_at + 5:
                timeout = 1.0 if flap_at is None else max(0.05, min(1.0, flap_at - time.monotonic()))
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                except asyncio.TimeoutError:
                    if flap_at is not None and time.monotonic() >= flap_at:
                        ws.transport.abort()  # the network went away: no close frame
                        return True
                    if time.monotonic() >= end_at and not self.pending:
                        return True
                    continue
                await self.note(ws, frame)
            return True
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else 1006
            self.tally.closed(code)
            self.stopped = code in (4409, 4403, 4401)
            self.tally.settle(self, code == 4409, time.monotonic())
            return code in (1000, 1001)
        finally:
            if self.ws is not None:
                self.tally.settle(self, False, time.monotonic())
            self.ws = None

    async def note(self, ws, frame):
        kind = frame["type"]
        if kind == "welcome":
            self.conversation_id = frame["conversation"]["id"]
            if not frame["recovered"]:
                self.last_seq = frame["last_seq"]
        elif kind == "synced":
            self.ws = ws
            for other in self.customer["devices"]:
                if other is not self and other.ws is not None:
                    other.dues.append(time.monotonic())  # the older socket must now be told and close
                    self.tally.kicks["due"] += 1
            for client_msg_id, text in list(self.pending.items()):
                await self.send({"type": "message", "client_msg_id": client_msg_id, "text": text})
        elif kind == "ack":
            if self.pending.pop(frame["client_msg_id"], None) is not None:
                self.tally.acked.append(frame["client_msg_id"])
        elif kind == "message" and frame["conversation_id"] == self.conversation_id:
            self.last_seq = max(self.last_seq, frame["seq"])
        elif kind == "status" and frame.get("conversation_id") != self.conversation_id:
            self.conversation_id, self.last_seq = frame["conversation_id"], 0
        elif kind == "kick":
            self.tally.settle(self, True, time.monotonic())

    async def send(self, frame):
        if self.ws is not None:
            try:
                await self.ws.send(json.dumps(frame))
            except websockets.ConnectionClosed:
                pass

    async def send_on_schedule(self, end_at):
        interval = 1.0 / self.plan.rate
        first = time.monotonic() + random.uniform(0, interval)
        for n in range(int(self.plan.rate * self.plan.duration) + 1):
            at = first + n * interval
            if at >= end_at or self.stopped:
                return
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            client_msg_id = f"{self.run_id}-{self.openid}-{self.device_id}-{n}"
            self.pending[client_msg_id] = TEXTS[n % len(TEXTS)]
            self.tally.sent += 1
            await self.send({"type": "message", "client_msg_id": client_msg_id, "text": TEXTS[n % len(TEXTS)]})


async def second_device(plan, tally, first, http, end_at, run_id):
    """Sign the same customer in on another device; whichever said hello last stays, the other is told."""
    await asyncio.sleep(random.uniform(5, plan.duration - 15))
    other = Device(plan, tally, first.customer, "second", first.port_index + 1, run_id, sends=False)
    await other.run(http, end_at, flappy=False)


async def faults(plan, instances, redis):
    started = time.monotonic()

    async def at(t):
        await asyncio.sleep(max(0.0, started + t - time.monotonic()))

    await at(10)
    instances[0].proc.send_signal(signal.SIGKILL)
    await at(20)
    redis.stop()
    await at(25)
    redis.start()
    await at(32)
    instances[1].proc.send_signal(signal.SIGKILL)


async def one_run(args, number):
    database = Database("postgres", services.postgres_url())
    redis = RedisServer()
    logs = Path(tempfile.mkdtemp(prefix="csbot-faults-"))
    env = {**database.env, "REDIS_URL": redis.url, "CSBOT_BOT_ENABLED": "0", "CSBOT_LOG_FORMAT": "json",
           "CSBOT_RECONCILE_S": str(args.reconcile_s)}
    instances = [Instance(f"web-{i + 1}", services.free_port(), env, log_dir=logs, python=sys.executable)
                 for i in range(3)]
    try:
        for instance in instances:
            await asyncio.to_thread(instance.wait_ready)
        args.ports = [instance.port for instance in instances]
        run_id = "ft" + secrets.token_hex(3)
        tally = Tally(args.reconcile_s + 5)
        end_at = time.monotonic() + args.duration
        async with httpx.AsyncClient(timeout=10) as http:
            customers = [{"openid": f"{run_id}-u{i}", "devices": []} for i in range(args.users)]
            devices = [Device(args, tally, customers[i], "first", i, run_id, sends=True) for i in range(args.users)]
            tasks = [device.run(http, end_at, flappy=i % 3 == 0) for i, device in enumerate(devices)]
            tasks += [second_device(args, tally, devices[i], http, end_at, run_id) for i in range(1, args.users, 6)]
            tasks.append(faults(args, instances, redis))
            await asyncio.wait_for(asyncio.gather(*tasks), args.duration + 60)
        now = time.monotonic()
        for customer in customers:
            for device in customer["devices"]:
                tally.settle(device, False, now)  # still open at the end: missed once past the grace
        db = check_database(database, run_id, tally.acked)
        tracebacks = sum(log.read_text(errors="replace").count("Traceback") for log in logs.glob("*.log"))
        print(f"run {number}: sent {tally.sent} {db} kicks {tally.kicks}"
              f" slowest {max(tally.kick_delays, default=0):.1f} s; closes {dict(sorted(tally.closes.items()))};"
              f" restarts {[i.starts - 1 for i in instances]}; tracebacks in logs {tracebacks}", flush=True)
    finally:
        for instance in instances:
            instance.stop()
        redis.close()
        database.drop()


async def main(args):
    for number in range(1, args.runs + 1):
        await one_run(args, number)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--rate", type=float, default=1.0, help="messages per second per user")
    parser.add_argument("--duration", type=float, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reconcile-s", type=float, default=5, help="CSBOT_RECONCILE_S of the instances")
    asyncio.run(main(parser.parse_args()))
