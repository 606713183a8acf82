"""Compare 1 s short polling, long polling and the WebSocket on the same server.

    .venv/bin/python bench/polling_vs_socket.py [--users 1000] [--seconds 60] [--modes ws,ws-proto,long,short] [--instances 2]

The server is one daphne process, or `--instances` processes sharing the
database and Redis with the users spread evenly over them (server CPU is then
their sum, in % of one core).

Every user receives one message every `--every` seconds on a fixed schedule,
committed by a separate sender process through the batch writer the sockets
use (`chat.ingest`) and published through Redis, as a reply would be, so the
server under test spends its time on delivery. Without Redis the sender posts
through the HTTP message API of the server instead (`--sender http`). For each way of receiving,
the bench measures delivery latency (from the message's commit, its `ts`, to
the client reading it; same host, same clock), receiving requests
per second, and the bytes the server sent to the receiving clients during the
window, counted client-side as read from the socket: HTTP status line, headers
and body; for the WebSocket each frame's header and payload (sockets are
opened and synced before the window starts, as a long-lived client's are).

PostgreSQL and Redis are used when reachable (TEST_DATABASE_URL / REDIS_URL,
or the local defaults), else SQLite and the in-memory layer.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat.loadtest.procstat import cpu_seconds  # noqa: E402
from chat.loadtest.stats import percentile  # noqa: E402
from chat.loadtest.wire import ClientWire  # noqa: E402
from tests.support.servers import Daphne, Database  # noqa: E402
from tests.support.services import reachable  # noqa: E402

LONG_POLL_S = 25
GRACE_S = 3.0
SENDER_PROCESSES = 1


class HttpConnection:
    """A minimal keep-alive HTTP/1.1 client that counts every response byte it reads."""

    def __init__(self, port, counter):
        self.port, self.counter = port, counter
        self.reader = self.writer = None

    async def request(self, method, path, token, body=None):
        """Send one request and return (status, parsed JSON body)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        self.writer.write(head.encode() + payload)
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in fields:
            data = await self.reader.readexactly(int(fields["content-length"]))
            size = len(data)
        else:
            data, size = await self._chunked()
        self.counter["bytes"] += len(header) + size
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return int(lines[0].split()[1]), json.loads(data) if data else None

    async def _chunked(self):
        data, size = b"", 0
        while True:
            line = await self.reader.readuntil(b"\r\n")
            length = int(line.strip().split(b";")[0], 16)
            chunk = await self.reader.readexactly(length + 2)
            data, size = data + chunk[:-2], size + len(line) + len(chunk)
            if length == 0:
                return data, size

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


class Run:
    """One way of receiving, measured over a fixed window."""

    def __init__(self, mode, servers, tokens, seconds, every, sender_env=None, customers=()):
        self.mode, self.servers, self.tokens, self.seconds, self.every = mode, servers, tokens, seconds, every
        self.sender_env, self.customers = sender_env, customers
        self.sent = {}  # client_msg_id -> scheduled time
        self.latencies = {}
        self.counter = {"bytes": 0, "requests": 0, "posts": 0, "errors": 0}
        self.stop = False

    def server_for(self, i):
        """User i's instance: users are spread evenly, as a load balancer would."""
        return self.servers[i % len(self.servers)]

    def received(self, frame):
        # From the commit rather than the schedule: a sender falling behind must not count as slow delivery.
        if frame.get("client_msg_id") in self.sent and frame["client_msg_id"] not in self.latencies:
            self.latencies[frame["client_msg_id"]] = time.time() - frame["ts"] / 1000

    def schedule(self, t0):
        """Return (scheduled wall-clock time, user index, n) for every message of the run, in order."""
        n = len(self.tokens)
        return sorted((t0 + (i / n) * self.every + k * self.every, i, k)
                      for i in range(n) for k in range(int(self.seconds / self.every)))

    async def action_sender(self, t0):
        """Commit the schedule from another process through the domain action."""
        for scheduled, i, k in self.schedule(t0):
            self.sent[f"{self.mode}-{i}-{k}"] = scheduled
        procs = []
        for part in range(SENDER_PROCESSES):
            spec = json.dumps({"t0": t0, "every": self.every, "seconds": self.seconds, "mode": self.mode,
                               "customers": list(self.customers), "part": part, "parts": SENDER_PROCESSES})
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--sender-worker", spec, env=self.sender_env, stdout=asyncio.subprocess.PIPE))
        for proc in procs:
            out, _ = await proc.communicate()
            done = json.loads(out.decode().strip().splitlines()[-1])
            self.counter["posts"] += done["sent"]
            self.counter["errors"] += done["errors"]
        self.sent_until = time.time()
        await asyncio.sleep(GRACE_S)

    async def sender(self, t0, workers=16):
        """Post one message per user every `every` s, staggered, from a pool of connections."""
        queue = asyncio.Queue()
        sink = {"bytes": 0}

        async def post():
            conn = HttpConnection(self.servers[0].port, sink)
            while True:
                client_msg_id, token = await queue.get()
                try:
                    status, _ = await conn.request("POST", "/api/chat/messages", token,
                                                   {"client_msg_id": client_msg_id, "text": "your parcel left the depot"})
                    self.counter["posts"] += 1
                    self.counter["errors"] += status != 200
                except (OSError, asyncio.IncompleteReadError):
                    self.counter["errors"] += 1
                    await conn.close()

        pool = [asyncio.create_task(post()) for _ in range(workers)]
        for scheduled, i, k in self.schedule(t0):
            await asyncio.sleep(max(0.0, scheduled - time.time()))
            client_msg_id = f"{self.mode}-{i}-{k}"
            self.sent[client_msg_id] = scheduled
            queue.put_nowait((client_msg_id, self.tokens[i]))
        await asyncio.sleep(GRACE_S)
        for task in pool:
            task.cancel()

    async def poller(self, i, after_seq, t0, timeout):
        """Poll on a fixed 1 s schedule (timeout 0) or back to back (long polling)."""
        conn = HttpConnection(self.server_for(i).port, self.counter)
        tick = t0 + random.uniform(0, 1)
        while not self.stop:
            if timeout == 0:
                await asyncio.sleep(max(0.0, tick - time.time()))
                tick += 1
            try:
                status, body = await conn.request("GET", f"/api/chat/poll?after_seq={after_seq}&timeout={timeout}",
                                                  self.tokens[i])
            except (OSError, asyncio.IncompleteReadError):
                self.counter["errors"] += 1
                await conn.close()
                await asyncio.sleep(0.5)
                continue
            self.counter["requests"] += 1
            if status != 200:
                self.counter["errors"] += 1
                continue
            for message in body["messages"]:
                self.received(message)
                after_seq = max(after_seq, message["seq"])
        await conn.close()

    async def socket(self, i, ready):
        """Hold a socket, ping every 10 s like the SDK, and read every frame."""
        url = f"{self.server_for(i).ws}/ws/chat/"
        wire = ClientWire("proto" if self.mode == "ws-proto" else "json")
        async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {self.tokens[i]}"},
                                      subprotocols=[wire.subprotocol], open_timeout=60, max_queue=None) as ws:
            await ws.send(wire.encode({"type": "hello", "device_id": "d", "platform": "web"}))
            while wire.decode(await ws.recv())["type"] != "synced":
                pass
            ready.set()
            pinger = asyncio.create_task(self.ping_every(ws, wire, 10))
            try:
                # One read per frame and no timer per socket: the client's own lag is inside every latency.
                async for raw in ws:
                    size = len(raw.encode() if isinstance(raw, str) else raw)
                    self.counter["bytes"] += size + (2 if size < 126 else 4)
                    frame = wire.decode(raw)
                    if frame["type"] == "message":
                        self.received(frame)
            finally:
                pinger.cancel()

    @staticmethod
    async def ping_every(ws, wire, seconds):
        while True:
            await asyncio.sleep(seconds)
            await ws.send(wire.encode({"type": "ping"}))

    async def go(self, seqs):
        pids = [server.proc.pid for server in self.servers]
        if self.mode in ("ws", "ws-proto"):
            readies = [asyncio.Event() for _ in self.tokens]
            receivers = []
            for i in range(len(self.tokens)):  # open at 200 a second, like a deploy's reconnect wave
                receivers.append(asyncio.create_task(self.socket(i, readies[i])))
                await asyncio.sleep(0.005)
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
            self.counter["bytes"] = 0  # count what the server sends while chatting, not the handshake burst
        t0 = time.time() + 2
        if self.mode in ("short", "long"):
            timeout = 0 if self.mode == "short" else LONG_POLL_S
            receivers = [asyncio.create_task(self.poller(i, seqs[i], t0, timeout)) for i in range(len(self.tokens))]
        cpu0 = sum(cpu_seconds(pid) for pid in pids)
        await (self.action_sender(t0) if self.sender_env else self.sender(t0))
        self.counter["window_s"] = getattr(self, "sent_until", time.time() - GRACE_S) - t0
        self.stop = True
        elapsed = time.time() - t0
        cpu = (sum(cpu_seconds(pid) for pid in pids) - cpu0) / elapsed
        for task in receivers:
            task.cancel()
        await asyncio.gather(*receivers, return_exceptions=True)
        return self.result(elapsed, cpu)

    def result(self, elapsed, cpu):
        values = [v * 1000 for v in self.latencies.values()]
        return {
            "mode": self.mode, "users": len(self.tokens), "sent": len(self.sent), "received": len(values),
            "avg_ms": sum(values) / len(values) if values else None, "p99_ms": percentile(values, 99),
            "req_per_s": self.counter["requests"] / elapsed, "mb_out": self.counter["bytes"] / 1e6,
            "posts_per_s": self.counter["posts"] / self.counter["window_s"], "errors": self.counter["errors"], "server_cpu": cpu * 100,
        }


async def login_all(server, n):
    """Log in n users and read each one's current last seq (not measured)."""
    counter = {"bytes": 0}

    async def one(i, conn):
        body = {"openid": f"pvs-{i}", "device_id": "d", "platform": "web"}
        status, answer = await conn.request("POST", "/api/auth/dev-login", "none", body)
        if status != 200:
            raise RuntimeError(f"login failed: {status}")
        _, snapshot = await conn.request("GET", "/api/chat/poll?after_seq=0&timeout=0", answer["token"])
        return answer["token"], snapshot["last_seq"], answer["customer_id"]

    results = []
    for start in range(0, n, 25):
        conns = [HttpConnection(server.port, counter) for _ in range(start, min(n, start + 25))]
        results += await asyncio.gather(*(one(i, c) for i, c in zip(range(start, n), conns)))
        for conn in conns:
            await conn.close()
    return [list(column) for column in zip(*results)]


async def sender_worker(spec):
    """Commit every scheduled message on time from this process, then print the counts."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")
    django.setup()
    print(json.dumps(await send_on_schedule(spec)), flush=True)


async def send_on_schedule(spec):
    """Store each message through the batch writer the sockets use, which publishes it through Redis.

    Messages due together are committed together, so the sender costs little
    CPU beside the server under test on a shared machine.
    """
    from chat import ingest

    customers, counts = spec["customers"], {"sent": 0, "errors": 0}
    n = len(customers)

    async def one(i, k):
        try:
            await ingest.store_customer_message(customer_id=int(customers[i]), client_msg_id=f"{spec['mode']}-{i}-{k}",
                                                text="your parcel left the depot")
            counts["sent"] += 1
        except Exception:
            counts["errors"] += 1

    plan = sorted((spec["t0"] + (i / n) * spec["every"] + k * spec["every"], i, k)
                  for i in range(spec["part"], n, spec["parts"]) for k in range(int(spec["seconds"] / spec["every"])))
    pending = []
    for scheduled, i, k in plan:
        await asyncio.sleep(max(0.0, scheduled - time.time()))
        pending.append(asyncio.create_task(one(i, k)))
    await asyncio.gather(*pending)
    await asyncio.sleep(1)  # the wake-ups are published in the background after each commit
    return counts


def table(rows):
    head = f"{'mode':<22}{'users':>6}{'avg ms':>9}{'p99 ms':>9}{'recv/sent':>12}{'req/s':>8}{'MB out':>9}{'server CPU':>12}"
    names = {"short": "short polling, 1 s", "long": f"long polling, {LONG_POLL_S} s", "ws": "WebSocket, JSON",
             "ws-proto": "WebSocket, protobuf"}
    lines = [head]
    for r in rows:
        avg = f"{r['avg_ms']:.0f}" if r["avg_ms"] is not None else "-"
        p99 = f"{r['p99_ms']:.0f}" if r["p99_ms"] is not None else "-"
        lines.append(f"{names[r['mode']]:<22}{r['users']:>6}{avg:>9}{p99:>9}{r['received']:>6}/{r['sent']:<5}"
                     f"{r['req_per_s']:>8.0f}{r['mb_out']:>9.2f}{r['server_cpu']:>11.0f}%")
    return "\n".join(lines)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--every", type=float, default=5, help="seconds between messages to each user")
    parser.add_argument("--modes", default="ws,ws-proto,long,short", help="any of ws, ws-proto, long, short")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--sqlite", action="store_true", help="use SQLite and the in-memory layer")
    parser.add_argument("--sender", choices=["action", "http"], default="", help="default: action when Redis is up")
    parser.add_argument("--instances", type=int, default=1,
                        help="daphne processes sharing the database and Redis; users are spread over them")
    parser.add_argument("--sender-worker", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender_worker:
        return await sender_worker(json.loads(args.sender_worker))
    use_pg = not args.sqlite and reachable(args.pg, 5432)
    redis = args.redis if not args.sqlite and reachable(args.redis, 6379) else None
    database = Database("postgres", args.pg) if use_pg else Database("sqlite")
    # A prefix of its own, so other users of the same Redis never reach these sockets.
    settings = {"CSBOT_RATE_LIMIT_BURST": 1000, "CSBOT_RATE_LIMIT_PER_S": 1000, "CSBOT_IP_RATE_LIMIT_PER_S": 0, "LOG_LEVEL": "WARNING",
                "CSBOT_DB_POOL_MAX": 30, "CSBOT_CHANNEL_PREFIX": f"pvs{os.getpid()}"}
    sender = args.sender or ("action" if redis else "http")
    if sender == "action" and not redis:
        parser.error("--sender action publishes through Redis; none is reachable")
    if args.instances > 1 and not redis:
        parser.error("--instances above 1 needs Redis to carry messages between the processes")
    servers = [Daphne(database, redis_url=redis, name=chr(ord("a") + k), **settings) for k in range(args.instances)]
    server = servers[0]
    try:
        processes = "one daphne process" if len(servers) == 1 else f"{len(servers)} daphne processes"
        print(f"{processes}; database {'PostgreSQL' if use_pg else 'SQLite'}, channel layer "
              f"{'Redis pub/sub' if redis else 'in-memory'}; {args.users} users, one message each every "
              f"{args.every:g} s, {args.seconds:g} s per mode; {os.cpu_count()} CPUs shared with the clients")
        tokens, seqs, customers = await login_all(server, args.users)
        sender_env = {**database.env, **settings, "REDIS_URL": redis} if sender == "action" else None
        sender_env = {k: str(v) for k, v in sender_env.items()} if sender_env else None
        print(f"messages committed by {'a sender process through the batch writer' if sender_env else 'HTTP POSTs'}")
        rows = []
        for mode in args.modes.split(","):
            run = Run(mode, servers, tokens, args.seconds, args.every, sender_env, customers)
            rows.append(await run.go(seqs))
            print(f"  {mode}: done, {rows[-1]['posts_per_s']:.0f} sender posts/s, {rows[-1]['errors']} errors",
                  flush=True)
            _, seqs, _ = await login_all(server, args.users)  # start the next mode from each user's current seq
            await asyncio.sleep(2)
        print(table(rows))
    finally:
        for each in servers:
            each.kill()
        database.drop()


if __name__ == "__main__":
    asyncio.run(main())
