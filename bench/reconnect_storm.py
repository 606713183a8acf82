"""A reconnect storm: many idle sockets over two instances, kill -9 one, and all of its customers come back at once.

    .venv/bin/python bench/reconnect_storm.py [--idle 10000] [--chatters 50] [--workers 2]

Needs TEST_DATABASE_URL and REDIS_URL. Two supervised daphne instances
(restarted when they exit, as systemd does) share PostgreSQL and Redis.
`--idle` customers connect (half to each instance) and only keep their
heartbeat; `--chatters` customers on the second instance send one message a
second. Then the first instance is killed with SIGKILL: its customers
reconnect to the other one, each after a full-jitter backoff like the SDK's
(uniform in [0, 1 s], doubling on each failure up to 30 s), and resume.

Prints how long the killed instance's customers took to be synced again
(from the kill), the chatters' ack latency before the kill and in the 20 s
after it, how many connects were turned away with 1013, and each instance's
resident memory per idle socket. The idle clients run in `--workers`
processes of their own. Loopback only; every loop is bounded by --duration.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.prod_like import Instance  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.servers import Database  # noqa: E402

MAKE_TOKENS = """
import json, sys
from chat.accounts import sign_in
tokens = [sign_in(openid=f"storm-{{i}}", device_id="d", platform="devtools")[1] for i in range({count})]
json.dump(tokens, open({path!r}, "w"))
"""


def percentiles(values):
    if not values:
        return {"count": 0}
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {"count": len(values), "p50": round(pick(0.5), 1), "p99": round(pick(0.99), 1), "max": round(values[-1], 1)}


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None


# --- idle clients, in worker processes --------------------------------------

async def idle_socket(token, ports, first, end_at, out):
    """Keep one customer connected; after a close, come back with jittered backoff and resume."""
    index, attempt, conversation, last_seq, closed_at = first, 0, None, 0, None
    while time.time() < end_at:
        port = ports[index % len(ports)]
        index += 1
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/chat/", open_timeout=30, ping_interval=None,
                                          additional_headers={"Authorization": f"Bearer {token}"},
                                          subprotocols=["csbot.v1.json"]) as ws:
                hello = {"type": "hello", "device_id": "d", "platform": "devtools"}
                if conversation:
                    hello["resume"] = {"conversation_id": conversation, "last_seq": last_seq}
                await ws.send(json.dumps(hello))
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if frame["type"] == "welcome":
                        conversation, last_seq = frame["conversation"]["id"], frame["last_seq"]
                    elif frame["type"] == "synced":
                        break
                attempt = 0
                if closed_at is not None:
                    out.append({"closed_at": closed_at, "synced_at": time.time(), "port": port})
                else:
                    out.append({"connected_at": time.time(), "port": port})
                while time.time() < end_at:
                    await ws.send(json.dumps({"type": "ping"}))
                    try:
                        while True:
                            await asyncio.wait_for(ws.recv(), 10)
                    except asyncio.TimeoutError:
                        pass
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else 1006
            out.append({"close": code})
        except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as exc:
            out.append({"close": type(exc).__name__})
        if closed_at is None or attempt == 0:
            closed_at = time.time()
        attempt += 1
        await asyncio.sleep(random.uniform(0, min(30.0, 2 ** (attempt - 1))))


async def worker_main(tokens, ports, first, end_at, ramp):
    out = []
    tasks = []
    for n, token in enumerate(tokens):
        tasks.append(asyncio.create_task(idle_socket(token, ports, first + n, end_at, out)))
        if n % 50 == 49:
            await asyncio.sleep(50 / ramp)
    await asyncio.gather(*tasks)
    print(json.dumps(out))


# --- the run -----------------------------------------------------------------

async def chatter(token, port, end_at, acks):
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/chat/", ping_interval=None,
                                  additional_headers={"Authorization": f"Bearer {token}"},
                                  subprotocols=["csbot.v1.json"]) as ws:
        await ws.send(json.dumps({"type": "hello", "device_id": "d", "platform": "devtools"}))
        while json.loads(await ws.recv())["type"] != "synced":
            pass
        sent = {}

        async def reader():
            async for payload in ws:
                frame = json.loads(payload)
                if frame["type"] == "ack" and frame["client_msg_id"] in sent:
                    at = sent.pop(frame["client_msg_id"])
                    acks.append((at, (time.time() - at) * 1000))

        task = asyncio.create_task(reader())
        n = 0
        await asyncio.sleep(random.uniform(0, 1))
        while time.time() < end_at:
            n += 1
            sent[f"c{n}"] = time.time()
            await ws.send(json.dumps({"type": "message", "client_msg_id": f"c{n}", "text": "where is my parcel?"}))
            await asyncio.sleep(1)
        await asyncio.sleep(2)
        task.cancel()


async def main(args):
    database = Database("postgres", services.postgres_url())
    logs = Path(tempfile.mkdtemp(prefix="csbot-storm-"))
    env = {**database.env, "REDIS_URL": services.redis_url(), "CSBOT_BOT_ENABLED": "0", "LOG_LEVEL": "WARNING"}
    count = args.idle + args.chatters
    token_file = logs / "tokens.json"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", MAKE_TOKENS.format(count=count, path=str(token_file))],
                   cwd=ROOT, env=env, check=True)
    tokens = json.loads(token_file.read_text())
    idle, chatty = tokens[:args.idle], tokens[args.idle:]
    instances = [Instance(f"web-{i + 1}", services.free_port(), env, log_dir=logs, python=sys.executable)
                 for i in range(2)]
    workers = []
    try:
        for instance in instances:
            await asyncio.to_thread(instance.wait_ready)
        ports = [instance.port for instance in instances]
        base_rss = [rss_mib(instance.proc.pid) for instance in instances]
        start = time.time()
        end_at = start + args.duration
        for w in range(args.workers):
            part = logs / f"tokens-{w}.json"
            part.write_text(json.dumps(idle[w::args.workers]))
            code = (f"import asyncio, json, sys; sys.path.insert(0, {str(ROOT)!r}); from bench.reconnect_storm import "
                    f"worker_main; asyncio.run(worker_main(json.load(open({str(part)!r})), {ports!r}, {w}, {end_at!r},"
                    f" {args.ramp / args.workers!r}))")
            workers.append(subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True))
        connected_by = start + args.idle / args.ramp + 10
        acks = []
        chatters = [chatter(token, ports[1], end_at - 5, acks) for token in chatty]
        chat_task = asyncio.gather(*chatters)
        await asyncio.sleep(max(0.0, connected_by - time.time()))
        rss = [rss_mib(instance.proc.pid) for instance in instances]
        rss_at = time.time()
        await asyncio.sleep(5)
        killed_at = time.time()
        instances[0].proc.send_signal(signal.SIGKILL)
        await chat_task
        outs = [json.loads(worker.communicate(timeout=args.duration + 120)[0] or "[]") for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        for instance in instances:
            instance.stop()
        database.drop()
    events = [event for out in outs for event in out]
    first = [e for e in events if "connected_at" in e]
    back = [e for e in events if "synced_at" in e and e["closed_at"] >= killed_at]
    closes = {}
    for e in events:
        if "close" in e:
            closes[str(e["close"])] = closes.get(str(e["close"]), 0) + 1
    on_killed = sum(1 for e in first if e["port"] == ports[0])
    print(f"idle sockets {args.idle} over 2 instances ({on_killed} on the killed one), chatters {args.chatters} on the other")
    print(f"connected first {len(first)}; synced again after the kill {len(back)}")
    print(f"kill -> synced again (s) {percentiles([e['synced_at'] - killed_at for e in back])}")
    print(f"closes and connect failures {closes}")
    before = [ms for at, ms in acks if at < killed_at]
    during = [ms for at, ms in acks if killed_at <= at < killed_at + 20]
    print(f"chatters' ack ms before the kill {percentiles(before)}; in the 20 s after {percentiles(during)}")
    held = [sum(1 for e in first if e["port"] == port and e["connected_at"] < rss_at) for port in ports]
    per_socket = [round((r - b) * 1024 / n, 1) if r and b and n else None for r, b, n in zip(rss, base_rss, held)]
    print(f"instance RSS MiB at start {base_rss}, with {held} sockets {rss}; KiB per idle socket {per_socket}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--chatters", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="processes for the idle clients")
    parser.add_argument("--ramp", type=float, default=400, help="new idle connections per second, in all")
    parser.add_argument("--duration", type=float, default=90)
    args = parser.parse_args()
    if os.environ.get("TEST_DATABASE_URL") is None:
        sys.exit("TEST_DATABASE_URL is needed")
    asyncio.run(main(args))
