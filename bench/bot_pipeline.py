"""Bot answers under load, one daphne on PostgreSQL and Redis: `manage.py loadtest --bot` plus the turns' own count.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/bot_pipeline.py \
        --users 200 --rate 1 --duration 30 [--src DIR] [--profile OUT.txt] [--bot-off]

Starts a daphne from --src (a checkout of csbot; default this one), waits for
/readyz, runs the load generator against it and prints its report, then the
server-side figures the generator cannot see: bot turns finished per second
during the run (answered at saturation, whatever the customers saw), and how
many turns are still waiting. With --profile the server runs under
`bench.sampler` and writes its profile there. Loopback only, bounded by --duration.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", default=str(ROOT))
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--profile", default="")
    parser.add_argument("--bot-off", action="store_true", help="plain messages: the bot off, nothing asked of it")
    args = parser.parse_args()
    database = os.environ["DATABASE_URL"]
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"),
           "CSBOT_DEV_LOGIN": "1", "ALLOWED_HOSTS": "127.0.0.1,localhost", "CSBOT_INSTANCE": "bench-1",
           "CSBOT_BOT_ENABLED": "0" if args.bot_off else "1", "PYTHONPATH": str(ROOT)}
    python = str(ROOT / ".venv/bin/python")
    if args.profile:
        server_cmd = [python, "-m", "bench.sampler", args.profile, "--", "-p", str(args.port), "csbot.asgi:application"]
    else:
        # csbot's server entry point where the checkout has one (older checkouts patched daphne at import).
        serve = "csbot.serve" if os.path.exists(os.path.join(args.src, "csbot", "serve.py")) else "daphne"
        server_cmd = [python, "-m", serve, "-p", str(args.port), "csbot.asgi:application"]
    log = open(os.path.join(tempfile.gettempdir(), f"bot_pipeline_{args.port}.log"), "w")
    server = subprocess.Popen(server_cmd, cwd=args.src, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(args.port, server)
        _close_open_conversations(database)
        started = _now(database)
        cpu_before = _cpu_s(server.pid)
        report = os.path.join(tempfile.gettempdir(), f"bot_pipeline_{args.port}.json")
        load = [python, "manage.py", "loadtest", "--url", f"ws://127.0.0.1:{args.port}", "--users", str(args.users),
                "--rate", str(args.rate), "--duration", str(args.duration), "--server-pid", str(server.pid),
                "--json", report]
        if not args.bot_off:
            load.append("--bot")
        out = subprocess.run(load, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.duration + 120)
        cpu = _cpu_s(server.pid) - cpu_before
        print("\n".join(line for line in out.stdout.splitlines() if not line.startswith("t=")).split("\r")[-1])
        if out.returncode:
            print(out.stderr[-2000:], file=sys.stderr)
        with psycopg.connect(database) as conn:
            done, first, last = conn.execute(
                "SELECT count(*), min(finished_at), max(finished_at) FROM chat_botturn "
                "WHERE state = 'done' AND finished_at >= %s", [started]).fetchone()
            waiting = conn.execute(
                "SELECT count(*) FROM chat_botturn WHERE state IN ('pending', 'running') AND created_at >= %s",
                [started]).fetchone()[0]
        span = (last - first).total_seconds() if done > 1 else 0
        result = json.load(open(report))
        acked, acked_n = result["messages"]["acked_per_s"], result["messages"]["acked"]
        answered = round(done / span, 1) if span else 0
        if not args.bot_off:
            print(f"server          bot turns answered {done} in {span:.1f} s = {answered} /s; still waiting {waiting}; "
                  f"acked {acked} msg/s" + (f"; answered/acked {answered / acked:.2f}" if acked and done else ""))
        # CPU time is what a busy shared machine leaves comparable between runs, unlike latency.
        print(f"server CPU      {cpu:.1f} s: {1000 * cpu / max(acked_n, 1):.2f} ms per acked message"
              + (f", {1000 * cpu / done:.2f} ms per answered turn" if done and not args.bot_off else ""))
    finally:
        if args.profile:
            server.send_signal(signal.SIGUSR1)
        else:
            server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def _cpu_s(pid):
    """User + system CPU seconds of a process and its threads so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _close_open_conversations(database):
    """Start every run with an empty queue: each handoff publishes every queued customer's place,
    so conversations left queued by earlier runs would make later runs slower than earlier ones."""
    with psycopg.connect(database) as conn:
        conn.execute("UPDATE chat_conversation SET status = 'closed' WHERE status <> 'closed'")


def _now(database):
    with psycopg.connect(database) as conn:
        return conn.execute("SELECT now()").fetchone()[0]


def _wait_ready(port, server, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if json.load(response).get("ready"):
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("the server was not ready in time")


if __name__ == "__main__":
    main()
