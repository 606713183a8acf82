"""`make prod-like` end to end: the production set a new operator starts on one machine.

scripts/prod_like.py creates its database, migrates, creates the admin with a
random password, loads the demo knowledge base, collects the static files,
starts two supervised daphne instances and nginx with a local CA; a customer
chats over wss:// and the admin signs in over https://, and Ctrl-C (SIGINT)
stops every process it started.
"""

import asyncio
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
import pytest

from tests.support import services
from tests.support.client import ChatClient
from tests.support.proxy import nginx_path
from tests.support.servers import ROOT

pytestmark = pytest.mark.e2e

START_TIMEOUT_S = 240
READY_LINE = re.compile(r"^csbot: chat (https://\S+)/ +admin \S+ \(admin / (\S+)\) +CA (\S+)$")


class ProdLike:
    """The script as a process, with what it printed when it was ready."""

    def __init__(self, tmp, database_url, redis_url):
        self.folder = tmp
        self.https_port = services.free_port()
        self.ports = [services.free_port(), services.free_port()]
        env = {**os.environ, "CSBOT_PROD_LIKE_DIR": str(tmp), "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "HTTPS_PORT": str(self.https_port), "INSTANCE_PORTS": ",".join(map(str, self.ports)),
               "CSBOT_CHANNEL_PREFIX": f"csbot-{uuid.uuid4().hex[:8]}"}
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "prod_like.py")], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines = []
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.origin = self.password = self.root = None

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if match := READY_LINE.match(line.strip()):
                self.origin, self.password, self.root = match.groups()
                self._ready.set()
        self._ready.set()

    def wait_ready(self):
        assert self._ready.wait(START_TIMEOUT_S), "not ready in time:\n" + "\n".join(self.lines[-30:])
        assert self.origin, "exited before it was ready:\n" + "\n".join(self.lines[-30:])
        self.ssl_context = ssl.create_default_context(cafile=self.root)

    @property
    def http(self):
        return self.origin

    @property
    def ws(self):
        return self.origin.replace("https://", "wss://")

    def interrupt(self, timeout=60):
        """Ctrl-C on the script: return its exit code once it has stopped everything."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout)

    def kill(self):
        """Leave nothing behind, whatever failed: the script, then the instances and nginx it started
        (each in a session of its own, so killing the script's group does not reach them)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for pid_file in [*self.folder.glob("web-*.pid"), self.folder / "nginx" / "nginx.pid"]:
            try:
                os.killpg(int(pid_file.read_text().strip()), signal.SIGKILL)  # nginx's workers with it
            except (OSError, ValueError):
                pass


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def database_url():
    admin = services.postgres_url()
    name = f"csbot_prod_like_{uuid.uuid4().hex[:10]}"
    yield urlunparse(urlparse(admin)._replace(path=f"/{name}"))
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_prod_like_serves_chat_and_admin_over_tls_and_stops_on_ctrl_c(database_url):
    nginx_path()
    with tempfile.TemporaryDirectory(prefix="csbot-prod-like-") as tmp:
        running = ProdLike(Path(tmp), database_url, services.redis_url())
        try:
            running.wait_ready()
            kept = Path(tmp) / "admin-password"
            assert kept.read_text().strip() == running.password
            assert kept.stat().st_mode & 0o077 == 0  # readable by its owner only
            assert running.password != "admin"

            with httpx.Client(base_url=running.origin, verify=running.ssl_context, timeout=30) as http:
                assert http.get("/").status_code == 200
                assert http.get("/readyz").status_code == 200
                page = http.get("/admin/login/")
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
                answer = http.post(
                    "/admin/login/?next=/admin/",
                    data={"csrfmiddlewaretoken": token, "username": "admin", "password": running.password,
                          "next": "/admin/"},
                    headers={"Origin": running.origin, "Referer": f"{running.origin}/admin/login/"})
                assert answer.status_code == 302, answer.text[:300]
                assert http.get("/admin/").status_code == 200

            async def chat():
                customer = ChatClient("o-prod-like")
                welcome = await customer.connect(running)
                assert welcome["conversation"]["id"]
                await customer.say("pl-1", "你好")
                await customer.close()

            asyncio.run(chat())

            assert all(listening(p) for p in [running.https_port, *running.ports])
            assert running.interrupt() == 0
            deadline = time.monotonic() + 10
            while any(listening(p) for p in [running.https_port, *running.ports]) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not any(listening(p) for p in [running.https_port, *running.ports]), "a process outlived Ctrl-C"
            assert not any("Traceback" in line for line in running.lines), "\n".join(running.lines[-30:])
        finally:
            running.kill()
