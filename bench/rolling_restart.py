"""A rolling restart of two instances behind nginx (TLS) while users chat: what customers see.

    .venv/bin/python bench/rolling_restart.py [--users 200] [--rate 0.5] [--duration 60] [--roll-at 15] [--bot]

Needs TEST_DATABASE_URL and REDIS_URL. Starts two supervised daphne
instances (restarted when they exit, as systemd does), nginx in front with
a throw-away CA, and the load generator's users on wss:// through nginx.
Once every user has connected, scripts/rolling_restart.sh restarts the
instances one at a time (SIGTERM: 1001 to every socket, then exit; the
supervisor starts it again; the script waits for /readyz). Prints the ack
latency of messages scheduled during the roll, the time from a socket's
close to its user being synced again, and lost / duplicated / gap counts
checked against the database. Loopback only; bounded by --duration.
"""

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chat.loadtest.plan import Plan  # noqa: E402
from chat.loadtest.run import run  # noqa: E402
from scripts.prod_like import Instance  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.proxy import Nginx, TestPKI, collect_static  # noqa: E402
from tests.support.servers import Database  # noqa: E402


def check_database(database, run_id, acked_ids):
    rows = database.query("SELECT client_msg_id, conversation_id FROM chat_message WHERE client_msg_id LIKE %s",
                          (f"{run_id}-%",))
    counts = {}
    for client_msg_id, _ in rows:
        counts[client_msg_id] = counts.get(client_msg_id, 0) + 1
    conversations = sorted({c for _, c in rows})
    gaps = database.query(
        "SELECT count(*) FROM (SELECT conversation_id FROM chat_message WHERE seq IS NOT NULL AND conversation_id = ANY(%s)"
        " GROUP BY conversation_id HAVING count(seq) <> max(seq) OR count(DISTINCT seq) <> count(seq)) g",
        (conversations,))[0][0]
    return {"acked": len(acked_ids), "lost": len(set(acked_ids) - counts.keys()),
            "duplicated": sum(n - 1 for n in counts.values()), "conversations_with_gaps": gaps,
            "conversations": len(conversations)}


def ws_statuses(proxy):
    """Count nginx's answers to WebSocket handshakes by status (101, 502, ...) from its access log."""
    counts = {}
    log = proxy.prefix / "access.log"
    for line in log.read_text(errors="replace").splitlines() if log.exists() else ():
        parts = line.split('"')
        if len(parts) > 2 and " /ws/" in parts[1]:
            status = parts[2].split()[0]
            counts[status] = counts.get(status, 0) + 1
    return counts


def upstream_errors(proxy):
    """Count nginx's error-log reasons (refused, reset, no live upstreams, ...), the detail behind its 502s."""
    counts = {}
    for line in proxy.error_log().splitlines():
        reason = line.split("] ", 1)[-1].split(", client:")[0]
        reason = re.sub(r"^\d+#\d+: \*\d+ ", "", reason)
        reason = re.sub(r"\d+\.\d+\.\d+\.\d+:\d+", "ADDR", reason)
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1])[:6])


def roll(ports, pid_dir):
    env = {**os.environ, "CSBOT_RESTART_CMD": f"kill -TERM $(cat {pid_dir}/web-{{port}}.pid)"}
    subprocess.run([str(ROOT / "scripts" / "rolling_restart.sh"), *map(str, ports)], env=env, check=True)


async def main(args):
    database = Database("postgres", services.postgres_url())
    redis_url = services.redis_url()
    pki = TestPKI()
    pid_dir = Path(tempfile.mkdtemp(prefix="csbot-roll-"))
    env = {**database.env, "REDIS_URL": redis_url, "CSBOT_BOT_ENABLED": "1" if args.bot else "0",
           "CSBOT_LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"}
    static = collect_static(env)
    ports = [services.free_port(), services.free_port()]
    instances = [Instance(f"web-{i + 1}", port, env, log_dir=pid_dir, python=sys.executable)
                 for i, port in enumerate(ports)]
    proxy = None
    try:
        for instance in instances:
            instance.wait_ready()
        proxy = Nginx(pki, [f"127.0.0.1:{p}" for p in ports], static_root=static)
        os.environ["SSL_CERT_FILE"] = str(pki.root)  # the generator's clients trust the test root
        plan = Plan(url=proxy.ws, users=args.users, rate=args.rate, duration_s=args.duration, ramp=args.ramp)
        windows = {}

        async def rolling():
            await asyncio.sleep(args.roll_at)
            start = time.monotonic()
            await asyncio.to_thread(roll, ports, pid_dir)
            windows["roll"] = (start, time.monotonic())

        result, _ = await asyncio.gather(run(plan, windows=windows), rolling())
        db = check_database(database, plan.run_id, result.pop("acked_ids"))
        roll_window = result["windows"].get("roll", {})
        print(f"users {args.users} through nginx (wss), {args.rate} msg/s each for {args.duration:.0f} s; "
              f"roll from t={roll_window.get('from_s')} s to t={roll_window.get('to_s')} s")
        print(f"restarts        {[i.starts - 1 for i in instances]} per instance")
        print(f"messages        sent {result['messages']['sent']} acked {result['messages']['acked']} "
              f"unacked {result['messages']['unacked']} resent {result['messages']['resent']}")
        print(f"ack during roll {roll_window.get('ack_latency_ms')}")
        print(f"ack whole run   {result['ack_latency_ms']}")
        print(f"reconnects      {result['connect']['reconnects']}; close -> synced again "
              f"{result['connect']['close_to_synced_again_ms']}")
        print(f"connect + hello {result['connect']['time_to_synced_ms']}")
        print(f"database        {db}")
        print(f"client dupes    {result['messages']['client_duplicates']}  errors {result['errors']}")
        print(f"nginx /ws/      answers by status {ws_statuses(proxy)}")
        print(f"nginx errors    {upstream_errors(proxy)}")
    finally:
        if proxy and args.keep_logs:
            keep = Path(args.keep_logs)
            keep.mkdir(parents=True, exist_ok=True)
            for name in ("error.log", "access.log"):
                if (proxy.prefix / name).exists():
                    shutil.copy(proxy.prefix / name, keep / f"nginx-{name}")
            for log in pid_dir.glob("*.log"):
                shutil.copy(log, keep / log.name)
        if proxy:
            proxy.stop()
        for instance in instances:
            instance.stop()
        database.drop()
        pki.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=50)
    parser.add_argument("--roll-at", type=float, default=15, help="seconds after the start")
    parser.add_argument("--keep-logs", metavar="DIR", help="copy nginx's and the instances' logs here")
    parser.add_argument("--bot", action="store_true", help="bot on (loads the encoder at each start)")
    asyncio.run(main(parser.parse_args()))
