"""Behind a TLS-terminating proxy: the admin sign-in passes CSRF, with secure cookies and HSTS, on a real server."""

import re
import subprocess
import sys

import httpx
import pytest

from tests.support.servers import ROOT, Daphne, Database

pytestmark = pytest.mark.e2e

CREATE_ADMIN = 'from django.contrib.auth.models import User; User.objects.create_superuser("root", password="root-pass-1")'
HOST = "chat.example.com"
PROXY = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
TLS = {"CSBOT_TRUSTED_PROXIES": "127.0.0.1", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto", "SECURE_SSL_REDIRECT": 1,
       "SESSION_COOKIE_SECURE": 1, "CSRF_COOKIE_SECURE": 1, "SECURE_HSTS_SECONDS": 3600}


@pytest.fixture
def database():
    database = Database("sqlite")
    subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE_ADMIN], cwd=ROOT, env=database.env, check=True)
    yield database
    database.drop()


def admin_sign_in(server):
    """Sign in as the browser behind the proxy would; return the POST's response."""
    with httpx.Client(base_url=server.http, timeout=10) as http:
        page = http.get("/admin/login/", headers=PROXY)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        cookie = page.headers["set-cookie"]
        csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie).group(1)
        answer = http.post(
            "/admin/login/?next=/admin/", data={"username": "root", "password": "root-pass-1", "csrfmiddlewaretoken": token},
            headers={**PROXY, "Origin": f"https://{HOST}", "Referer": f"https://{HOST}/admin/login/",
                     "Cookie": f"csrftoken={csrf_cookie}"},
        )
        return page, answer


def test_admin_sign_in_through_a_tls_proxy(database):
    server = Daphne(database, ALLOWED_HOSTS=HOST, **TLS)
    try:
        page, answer = admin_sign_in(server)
        plain = httpx.get(f"{server.http}/admin/login/", headers={"Host": HOST}, timeout=10)
        # The client forged "X-Forwarded-For: 127.0.0.1"; the proxy appended the real peer.
        spoofed = httpx.get(f"{server.http}/metrics", headers={"Host": HOST, "X-Forwarded-For": "127.0.0.1, 198.51.100.7"},
                            timeout=10)
    finally:
        server.kill()
    assert answer.status_code == 302 and answer.headers["location"] == "/admin/", answer.text[:300]
    assert "secure" in page.headers["set-cookie"].lower()
    assert "secure" in answer.headers["set-cookie"].lower() and "sessionid=" in answer.headers["set-cookie"]
    assert page.headers["strict-transport-security"].startswith("max-age=3600")
    # Plain HTTP (no proxy header) is sent to https; /metrics is exempt from the redirect.
    assert plain.status_code == 301 and plain.headers["location"].startswith(f"https://{HOST}/")
    assert spoofed.status_code == 403  # seen as 198.51.100.7, which may not read /metrics


def test_without_the_proxy_settings_the_same_sign_in_fails_csrf(database):
    server = Daphne(database, ALLOWED_HOSTS=HOST)
    try:
        _, answer = admin_sign_in(server)
    finally:
        server.kill()
    assert answer.status_code == 403 and "CSRF" in answer.text
