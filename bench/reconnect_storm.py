"""A reconnect storm: many idle sockets over two instances, kill -9 one, and all of its customers come back at once.

    .venv/bin/python bench/reconnect_storm.py [--idle 10000] [--chatters 50] [--workers 2]

Needs TEST_DATABASE_URL and REDIS_URL. Starts two supervised daphne
instances (restarted when they exit, as systemd does) on a fresh database,
issues the customers' tokens, then runs `manage.py loadtest --scenario
storm` against them: the idle customers connect (half to each instance) and
keep only their heartbeat, the chatters send on the second instance, the
first instance is killed with SIGKILL and its customers come back with the
SDK's full-jitter backoff. The scenario itself is in chat/loadtest/storm.py;
this only provides the instances. Loopback only; every loop is bounded.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.prod_like import Instance  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.servers import Database  # noqa: E402

# Issued directly: thousands of dev logins would load the instances before the storm starts.
MAKE_TOKENS = """
from chat.accounts import sign_in
with open({path!r}, "w") as out:
    for i in range({count}):
        out.write(sign_in(openid=f"storm-{{i}}", device_id=f"lt-{{i}}", platform="devtools")[1] + f" lt-{{i}}\\n")
"""


def main(args):
    database = Database("postgres", services.postgres_url())
    logs = Path(tempfile.mkdtemp(prefix="csbot-storm-"))
    env = {**database.env, "REDIS_URL": services.redis_url(), "CSBOT_BOT_ENABLED": "0", "LOG_LEVEL": "WARNING"}
    tokens = logs / "tokens.txt"
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    MAKE_TOKENS.format(count=args.idle + args.chatters, path=str(tokens))], cwd=ROOT, env=env, check=True)
    instances = [Instance(f"web-{i + 1}", services.free_port(), env, log_dir=logs, python=sys.executable)
                 for i in range(2)]
    try:
        for instance in instances:
            instance.wait_ready()
        pids = [str(instance.proc.pid) for instance in instances]
        command = [
            sys.executable, "manage.py", "loadtest", "--scenario", "storm",
            *[a for i in instances for a in ("--url", f"ws://127.0.0.1:{i.port}")], "--kill-pid", pids[0],
            *[a for pid in pids for a in ("--server-pid", pid)], "--tokens", str(tokens),
            "--idle", str(args.idle), "--idle-ramp", str(args.ramp), "--workers", str(args.workers),
            "--users", str(args.chatters), "--rate", "1", "--before", str(args.before), "--after", str(args.after),
            "--timeout", "30", "--check-db", *(["--json", args.json] if args.json else []),
        ]
        subprocess.run(command, cwd=ROOT, env=env, check=False)
        print(f"restarts {[i.starts - 1 for i in instances]} per instance (the killed one is started again); "
              f"logs in {logs}")
    finally:
        for instance in instances:
            instance.stop()
        database.drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--chatters", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="processes for the idle clients")
    parser.add_argument("--ramp", type=float, default=400, help="new idle connections per second, in all")
    parser.add_argument("--before", type=float, default=10, help="seconds of chatting before the kill")
    parser.add_argument("--after", type=float, default=30, help="seconds after the kill")
    parser.add_argument("--json", default="", help="also write the report as JSON here")
    args = parser.parse_args()
    if os.environ.get("TEST_DATABASE_URL") is None:
        sys.exit("TEST_DATABASE_URL is needed")
    main(args)
