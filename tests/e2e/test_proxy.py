"""Through nginx with TLS, over two daphne instances: the production front end on loopback.

nginx runs the configuration rendered from docs/ops/nginx/csbot.conf, with a
certificate chain from a throw-away CA; every client trusts the root only.
"""

import asyncio
import re
import ssl
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.support import services
from tests.support.browser import ARGS
from tests.support.client import ChatClient, login
from tests.support.proxy import Nginx, TestPKI, collect_static, nginx_path
from tests.support.servers import ROOT, Daphne, Database

pytestmark = pytest.mark.e2e

CREATE_AGENT = """
from django.contrib.auth.models import Group, User
from agents.presence import profile_for
user = User.objects.create_user("alice", password="console-pass-1", is_staff=True, is_superuser=True)
user.groups.add(Group.objects.get(name="Agents"), Group.objects.get(name="Managers"))
profile = profile_for(user)
profile.display_name = "Alice"
profile.save()
"""
MARKER = "collected-only.txt"


class Stack:
    """PostgreSQL, Redis, two daphne instances behind one nginx."""

    def __init__(self, database, redis_url, pki, *, instances=2, proxy_port=None, **settings):
        self.database = database
        self.redis_url = redis_url
        self.settings = settings
        self.static_root = collect_static(database.env)
        (self.static_root / MARKER).write_text("served by the proxy\n")
        self.instances = [self._start(f"web-{i + 1}") for i in range(instances)]
        self.proxy = Nginx(pki, [f"127.0.0.1:{d.port}" for d in self.instances], static_root=self.static_root,
                           port=proxy_port, heartbeat_s=int(settings.get("CSBOT_HEARTBEAT_S", 10)))

    def _start(self, name, port=None):
        return Daphne(self.database, redis_url=self.redis_url, name=name, port=port, **self.settings)

    def restart(self, index):
        """Start instance `index` again on its port (after a test killed it)."""
        old = self.instances[index]
        old.kill()
        self.instances[index] = self._start(old.name, port=old.port)

    def holding(self, count):
        """The instances whose /metrics report `count` open customer sockets."""
        return [d for d in self.instances if d.alive() and open_sockets(d) == count]

    def close(self):
        self.proxy.stop()
        for daphne in self.instances:
            daphne.kill()


def open_sockets(daphne):
    text = httpx.get(f"{daphne.http}/metrics", timeout=5).text
    found = re.search(r'^csbot_sockets_open\{role="customer"\} (\S+)$', text, re.M)
    return int(float(found.group(1))) if found else 0


@pytest.fixture(scope="module")
def pki():
    nginx_path()
    authority = TestPKI()
    yield authority
    authority.close()


@pytest.fixture(scope="module")
def stack(pki):
    database = Database("postgres", services.postgres_url())
    subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE_AGENT], cwd=ROOT, env=database.env, check=True)
    port = services.free_port()
    running = Stack(database, services.redis_url(), pki, proxy_port=port, SECURE_PROXY_SSL_HEADER=1,
                    CSBOT_TRUSTED_PROXIES="127.0.0.1",
                    CSRF_TRUSTED_ORIGINS=f"https://localhost:{port}")
    yield running
    running.close()
    database.drop()


def client(proxy, **kwargs):
    return httpx.Client(base_url=proxy.origin, verify=proxy.ssl_context, timeout=40, **kwargs)


def test_tls_chain_is_complete_for_a_client_that_trusts_only_the_root(stack, pki):
    with client(stack.proxy) as http:
        ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    # Without the intermediate in the served chain this handshake fails.
    import socket

    with socket.create_connection(("127.0.0.1", stack.proxy.port)) as raw:
        with pki.client_context().wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.getpeercert()["subject"] == ((("commonName", "localhost"),),)
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{stack.proxy.origin}/readyz", verify=ssl.create_default_context(), timeout=5)


def test_static_files_come_from_collectstatic_output(stack):
    with client(stack.proxy) as http:
        marker = http.get(f"/static/{MARKER}")
        sdk = http.get("/static/chat/csbot-sdk.js")
    assert marker.status_code == 200 and marker.text == "served by the proxy\n"
    assert sdk.status_code == 200 and sdk.content == (stack.static_root / "chat" / "csbot-sdk.js").read_bytes()
    # The instances themselves know nothing of the marker: the proxy served it.
    assert httpx.get(f"{stack.instances[0].http}/static/{MARKER}", timeout=5).status_code == 404


def test_metrics_are_not_served_through_the_proxy(stack):
    with client(stack.proxy) as http:
        assert http.get("/metrics").status_code == 404


async def test_wss_chat_resumes_on_the_other_instance_when_one_is_killed(stack):
    customer = ChatClient("o-proxy-resume")
    await customer.connect(stack.proxy)
    for i in range(3):
        await customer.say(f"before-{i}", f"before the kill {i}")
    [victim] = await asyncio.to_thread(stack.holding, 1)
    victim_index = stack.instances.index(victim)
    try:
        victim.kill()
        assert await customer.close_code() in (None, 1006)
        # While the socket is away the same customer writes through the HTTP API, via the proxy.
        with client(stack.proxy, headers={"Authorization": f"Bearer {customer.token}"}) as http:
            for i in range(3):
                answer = await asyncio.to_thread(
                    http.post, "/api/chat/messages", json={"client_msg_id": f"away-{i}", "text": f"while away {i}"})
                assert answer.status_code == 200, answer.text
        welcome = await customer.connect(stack.proxy)
        assert welcome["recovered"] is True
        await customer.say("after-0", "after the resume")
        await customer.drain(0.5)
        [survivor] = await asyncio.to_thread(stack.holding, 1)
        assert survivor is not victim
        stored = stack.database.query(
            "SELECT seq, client_msg_id FROM chat_message WHERE conversation_id = %s ORDER BY seq",
            (customer.conversation_id,))
        assert [seq for seq, _ in stored] == list(range(1, 8))
        # Its own messages came back as acks; the three sent while away, replayed on resume.
        acked = [f["seq"] for f in customer.frames if f["type"] == "ack"]
        assert acked == [1, 2, 3, 7]
        assert sorted(customer.messages) == [4, 5, 6]
        assert customer.duplicates == 0
        await customer.close()
    finally:
        stack.restart(victim_index)


def test_long_poll_waits_and_wakes_over_https(stack):
    token = login(stack.proxy.http, "o-proxy-poll", "poll-1", verify=stack.proxy.ssl_context)
    with client(stack.proxy, headers={"Authorization": f"Bearer {token}"}) as http:
        first = http.post("/api/chat/messages", json={"client_msg_id": "p-1", "text": "hello by poll"})
        assert first.status_code == 200
        seq = first.json()["seq"]
        at_once = http.get("/api/chat/poll", params={"after_seq": seq - 1, "timeout": 10}).json()
        assert [m["client_msg_id"] for m in at_once["messages"]] == ["p-1"]

        def post_later():
            time.sleep(1.0)
            http.post("/api/chat/messages", json={"client_msg_id": "p-2", "text": "woken"})

        poster = threading.Thread(target=post_later)
        started = time.monotonic()
        poster.start()
        woken = http.get("/api/chat/poll", params={"after_seq": seq, "timeout": 20}).json()
        waited = time.monotonic() - started
        poster.join()
    assert [m["client_msg_id"] for m in woken["messages"]] == ["p-2"]
    assert 0.8 < waited < 15


def admin_login(proxy):
    """Sign in through the admin form; return the answer to the POST and the signed-in client."""
    http = client(proxy)
    page = http.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = http.post(
        "/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": "alice", "password": "console-pass-1", "next": "/admin/"},
        headers={"Origin": proxy.origin, "Referer": f"{proxy.origin}/admin/login/"},
    )
    return answer, http


def test_admin_login_over_https_passes_the_csrf_check(stack):
    answer, http = admin_login(stack.proxy)
    try:
        assert answer.status_code == 302, answer.text[:500]
        assert answer.headers["location"] == "/admin/"
        assert http.get("/admin/").status_code == 200
    finally:
        http.close()


def test_admin_login_fails_csrf_when_the_proxy_header_is_not_trusted(pki):
    """The setting the proxy needs: without it Django takes the request for plain http and refuses the Origin."""
    database = Database("sqlite")
    subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE_AGENT], cwd=ROOT, env=database.env, check=True)
    running = Stack(database, None, pki, instances=1)
    try:
        answer, http = admin_login(running.proxy)
        http.close()
        assert answer.status_code == 403
    finally:
        running.close()
        database.drop()


async def test_idle_socket_is_closed_by_the_server_heartbeat_not_by_the_proxy(pki):
    """nginx keeps a quiet socket past 3 x heartbeat_s, so the close is the server's 4408."""
    database = Database("sqlite")
    running = Stack(database, None, pki, instances=1, CSBOT_HEARTBEAT_S=2)
    try:
        customer = ChatClient("o-proxy-idle")
        welcome = await customer.connect(running.proxy)
        assert welcome["heartbeat_s"] == 2
        started = time.monotonic()
        code = await customer.close_code(timeout=30)
        assert code == 4408
        assert time.monotonic() - started >= 5
    finally:
        running.close()
        database.drop()


async def test_agent_console_over_https(stack, chromium, pki):
    from playwright.async_api import async_playwright, expect

    args = [*ARGS, f"--ignore-certificate-errors-spki-list={pki.spki_hash()}"]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=args)
        try:
            page = await browser.new_page(base_url=stack.proxy.origin)
            await page.goto("/admin/login/?next=/admin/console/")
            await page.fill("#id_username", "alice")
            await page.fill("#id_password", "console-pass-1")
            await page.click("input[type=submit]")
            await expect(page.locator("#connection")).to_have_text("live", timeout=15000)
            assert page.url.startswith(f"{stack.proxy.origin}/admin/console/")
        finally:
            await browser.close()
