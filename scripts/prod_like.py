#!/usr/bin/env python3
"""The production set on one machine: PostgreSQL, Redis, two daphne instances, nginx with TLS.

    make prod-like     # DATABASE_URL and REDIS_URL default to the local services

Every instance runs under a small supervisor that starts it again when it
exits, as systemd's Restart=always does, so `scripts/rolling_restart.sh`
works here as in production (CSBOT_RESTART_CMD="kill -TERM $(cat
var/prod-like/web-{port}.pid)"; the command is printed at start). nginx
listens on https://localhost:8443 with a certificate from a local CA made by
openssl (var/prod-like/tls/root.pem: trust it, or accept the warning).
The admin account `admin` gets a random password on the first start, kept in
var/prod-like/admin-password and printed (DEBUG is off here, as in production,
so the development admin/admin is refused). Ctrl-C stops everything.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("CSBOT_PROD_LIKE_DIR") or ROOT / "var" / "prod-like")
PY = str(ROOT / ".venv" / "bin" / "python")


class Instance:
    """One daphne process on a port, started again whenever it exits, with its pid in a file."""

    def __init__(self, name, port, env, *, log_dir=VAR, python=PY):
        self.name, self.port, self.env, self.python = name, port, env, python
        self.pid_file = Path(log_dir) / f"web-{port}.pid"
        self.log = open(Path(log_dir) / f"{name}.log", "ab")
        self.proc = None
        self.starts = 0
        self.stopping = False
        self._thread = threading.Thread(target=self._supervise, daemon=True)
        self._thread.start()

    def _supervise(self):
        while not self.stopping:
            env = {**self.env, "CSBOT_INSTANCE": self.name}
            self.proc = subprocess.Popen(
                [self.python, "-m", "csbot.serve", "--proxy-headers", "-b", "127.0.0.1", "-p", str(self.port),
                 "csbot.asgi:application"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.starts += 1
            self.pid_file.write_text(f"{self.proc.pid}\n")
            self.proc.wait()
            time.sleep(0.2)

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=3) as answer:
                return answer.status == 200
        except OSError:
            return False

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while not self.ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not ready after {timeout} s")
            time.sleep(0.2)

    def stop(self):
        self.stopping = True
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._thread.join(timeout=5)
        self.pid_file.unlink(missing_ok=True)
        self.log.close()


def make_tls(folder):
    """A local root, an intermediate and a localhost certificate; return (full chain, key, root)."""
    sys.path.insert(0, str(ROOT))
    from tests.support.proxy import TestPKI  # the same openssl steps the tests use

    pki = TestPKI()
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("fullchain.pem", "server.key", "root.pem"):
        (folder / name).write_bytes((pki.dir / name).read_bytes())
    pki.close()
    return folder / "fullchain.pem", folder / "server.key", folder / "root.pem"


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_for_port(port, *, timeout=20.0, proc=None):
    """Wait until something accepts on 127.0.0.1:port; RuntimeError if `proc` exits first, TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"port {port} did not open")


def wait_listening(port, proc, timeout=30):
    """Wait for nginx to accept on `port`; stop the script with its reason if it does not."""
    try:
        wait_for_port(port, timeout=timeout, proc=proc)
    except RuntimeError:
        raise SystemExit(f"nginx exited with {proc.returncode}; see its error.log") from None
    except TimeoutError:
        raise SystemExit(f"nothing listens on {port} after {timeout} s") from None


def ensure_admin(env):
    """Make sure the superuser `admin` exists; return its password (random, kept in VAR between starts)."""
    kept = VAR / "admin-password"
    password = kept.read_text().strip() if kept.exists() else secrets.token_urlsafe(12)
    done = subprocess.run([PY, "manage.py", "createsuperuser", "--noinput"], cwd=ROOT, capture_output=True, text=True,
                          env={**env, "DJANGO_SUPERUSER_USERNAME": "admin", "DJANGO_SUPERUSER_EMAIL": "admin@localhost",
                               "DJANGO_SUPERUSER_PASSWORD": password})
    if done.returncode != 0 and "already taken" not in done.stderr:
        raise SystemExit(f"creating the admin failed: {done.stderr.strip()}")
    if done.returncode != 0 and not kept.exists():
        return "(set before; manage.py changepassword admin sets a new one)"
    kept.write_text(password + "\n")
    kept.chmod(0o600)
    return password


def ensure_database(url):
    from urllib.parse import urlparse, urlunparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main():
    VAR.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/csbot_prod_like"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    https_port = int(os.environ.get("HTTPS_PORT", "8443"))
    ports = [int(p) for p in os.environ.get("INSTANCE_PORTS", "8001,8002").split(",")]
    origin = f"https://localhost:{https_port}"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "DEBUG": "0",
           "SECRET_KEY": os.environ.get("SECRET_KEY") or "prod-like-local-only", "CSBOT_DEV_LOGIN": "1",
           "ALLOWED_HOSTS": "localhost,127.0.0.1", "SECURE_PROXY_SSL_HEADER": "1", "CSBOT_TRUSTED_PROXIES": "127.0.0.1",
           "CSRF_TRUSTED_ORIGINS": origin,
           "STATIC_ROOT": str(VAR / "static"), "DJANGO_SETTINGS_MODULE": "csbot.settings"}
    ensure_database(database_url)
    manage(env, "migrate", "--noinput", "-v0")
    password = ensure_admin(env)
    manage(env, "load_demo_kb")
    manage(env, "collectstatic", "--noinput", "-v0")
    chain, key, root = make_tls(VAR / "tls")
    instances = [Instance(f"web-{i + 1}", port, env) for i, port in enumerate(ports)]
    nginx = None
    try:
        for instance in instances:
            instance.wait_ready()
        prefix = VAR / "nginx"
        conf = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "nginx_conf.py"), "--prefix", str(prefix), "--listen",
             f"127.0.0.1:{https_port}", "--server-name", "localhost", "--chain", str(chain), "--key", str(key),
             "--static-root", str(VAR / "static"), *[a for p in ports for a in ("--upstream", f"127.0.0.1:{p}")]],
            check=True, capture_output=True, text=True).stdout
        (prefix / "nginx.conf").write_text(conf)
        nginx = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e",
                                  str(prefix / "error.log"), "-g", "daemon off;"], start_new_session=True)
        wait_listening(https_port, nginx)  # say "ready" only once the front door answers
        print(f"csbot: chat {origin}/  admin {origin}/admin/ (admin / {password})  CA {root}", flush=True)
        print(f"logs: {VAR}/web-*.log  nginx: {prefix}/")
        print(f"roll: CSBOT_RESTART_CMD='kill -TERM $(cat {VAR}/web-{{port}}.pid)' "
              f"scripts/rolling_restart.sh {' '.join(map(str, ports))}", flush=True)
        nginx.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if nginx and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=10)
        for instance in instances:
            instance.stop()


if __name__ == "__main__":
    main()
