"""A rolling restart of two instances behind nginx (TLS) while users chat: what customers see.

    .venv/bin/python bench/rolling_restart.py [--users 200] [--rate 0.5] [--duration 60] [--roll-at 15] [--bot]

Needs TEST_DATABASE_URL and REDIS_URL. Starts two supervised daphne
instances (restarted when they exit, as systemd does) and nginx in front
with a throw-away CA, then runs `manage.py loadtest --scenario roll` on
wss:// through nginx with scripts/rolling_restart.sh as its restart command
(SIGTERM: 1001 to every socket, then exit; the supervisor starts it again;
the script waits for /readyz). The scenario (chat/loadtest/roll.py) reports
the ack latency of messages scheduled during the roll, the time from a
socket's close to its user being synced again, and lost / duplicated / gap
counts checked against the database; this adds nginx's answers to
handshakes and its error reasons. Loopback only; bounded by --duration.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.prod_like import Instance  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.proxy import Nginx, TestPKI, collect_static  # noqa: E402
from tests.support.servers import Database  # noqa: E402


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


def main(args):
    database = Database("postgres", services.postgres_url())
    pki = TestPKI()
    pid_dir = Path(tempfile.mkdtemp(prefix="csbot-roll-"))
    env = {**database.env, "REDIS_URL": services.redis_url(), "CSBOT_BOT_ENABLED": "1" if args.bot else "0",
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
        command = [
            sys.executable, "manage.py", "loadtest", "--scenario", "roll", "--url", proxy.ws,
            "--restart-cmd", f"{ROOT / 'scripts' / 'rolling_restart.sh'} {ports[0]} {ports[1]}",
            "--users", str(args.users), "--rate", str(args.rate), "--duration", str(args.duration),
            "--ramp", str(args.ramp), "--roll-at", str(args.roll_at), "--check-db",
            *(["--json", args.json] if args.json else []),
        ]
        # The generator's clients trust the test root; the script restarts through the supervisors' pid files.
        subprocess.run(command, cwd=ROOT, check=False, env={
            **env, "SSL_CERT_FILE": str(pki.root), "CSBOT_RESTART_CMD": f"kill -TERM $(cat {pid_dir}/web-{{port}}.pid)",
        })
        print(f"restarts        {[i.starts - 1 for i in instances]} per instance")
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
    parser.add_argument("--json", default="", help="also write the report as JSON here")
    main(parser.parse_args())
