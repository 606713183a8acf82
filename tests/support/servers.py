"""Real server processes on loopback for end-to-end tests: daphne, Redis, databases."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from scripts.prod_like import wait_for_port  # noqa: F401  (the tests' helper is the operator script's)

from .services import free_port

ROOT = Path(__file__).resolve().parents[2]


class Database:
    """A fresh, migrated database for server processes: a SQLite file or a PostgreSQL database."""

    def __init__(self, kind, admin_url=None):
        self.kind = kind
        self.admin_url = admin_url
        self.tmpdir = tempfile.mkdtemp(prefix="csbot-e2e-")
        if kind == "sqlite":
            self.url = f"sqlite:///{self.tmpdir}/db.sqlite3"
        else:
            self.name = f"csbot_e2e_{uuid.uuid4().hex[:10]}"
            parsed = urlparse(admin_url)
            self.url = urlunparse(parsed._replace(path=f"/{self.name}"))
            self._psql(f'CREATE DATABASE "{self.name}"')
        # Its own channel prefix: ids restart at 1 in every test database, so two
        # databases' servers on one Redis must not share group names.
        self.env = server_env(self.url, CSBOT_CHANNEL_PREFIX=f"csbot-{uuid.uuid4().hex[:8]}")
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True)

    def _psql(self, sql):
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def query(self, sql, params=()):
        """Run a read query against the database the servers use."""
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()

    def drop(self):
        if self.kind == "postgres":
            self._psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def server_env(database_url, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="e2e-secret-key",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSBOT_DEV_LOGIN="1",
        DJANGO_SETTINGS_MODULE="csbot.settings",
        PYTHONUNBUFFERED="1",
        CSBOT_BOT_ENABLED="0",  # tests about the bot pass CSBOT_BOT_ENABLED=1
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Daphne:
    """One daphne process serving csbot on a loopback port."""

    def __init__(self, database, *, redis_url=None, name="a", port=None, **settings):
        self.port = port or free_port()
        self.name = name
        env = dict(database.env)
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update({k: str(v) for k, v in settings.items()})
        env["CSBOT_INSTANCE"] = name
        # Instances of one database share their pictures too, as behind a shared store in production.
        env.setdefault("MEDIA_ROOT", str(Path(database.tmpdir) / "media"))
        self.log_path = Path(database.tmpdir) / f"daphne-{name}-{self.port}.log"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "csbot.serve", "-b", "127.0.0.1", "-p", str(self.port), "csbot.asgi:application"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for_port(self.port, proc=self.proc)

    @property
    def http(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self):
        return f"ws://127.0.0.1:{self.port}"

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
        self.log.close()

    def alive(self):
        return self.proc.poll() is None

    def output(self):
        return self.log_path.read_text(errors="replace")


class RedisServer:
    """A private Redis on its own port, so a test may stop and restart it."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="csbot-redis-")
        self.proc = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# The console's test agent: staff, in the Agents and Managers groups, shown as "Alice".
_CREATE_CONSOLE_AGENT = """
from django.contrib.auth.models import Group, User
from agents.presence import profile_for
user = User.objects.create_user("alice", password="console-pass-1", is_staff=True)
user.groups.add(Group.objects.get(name="Agents"), Group.objects.get(name="Managers"))
profile = profile_for(user)
profile.display_name = "Alice"
profile.save()
"""


def create_console_agent(database):
    """Create the console's test agent in a test database, through the real management shell."""
    subprocess.run([sys.executable, "manage.py", "shell", "-c", _CREATE_CONSOLE_AGENT], cwd=ROOT, env=database.env,
                   check=True, capture_output=True)
