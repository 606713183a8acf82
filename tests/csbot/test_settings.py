"""Settings from the environment: the development conveniences follow DEBUG, production is `check --deploy` clean."""

import json
import os
import subprocess
import sys

import pytest

from tests.support.servers import ROOT

PRODUCTION = {
    "DEBUG": "0",
    "DATABASE_URL": "postgres://csbot@db.internal:5432/csbot",
    "SECRET_KEY": "x7#Lq9!vR2@mZ4$wT8%nB1^kD6&hF3*jP5(sG0)yC-uE_aI+oQ=eW",
    "ALLOWED_HOSTS": "chat.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://chat.example.com",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "CSBOT_TRUSTED_PROXIES": "10.0.0.0/8",
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'dev_login': s.CSBOT_DEV_LOGIN, 'key': s.SECRET_KEY, "
    "'proxy_header': s.SECURE_PROXY_SSL_HEADER, 'session_secure': s.SESSION_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS}))"
)


def environment(**values):
    """A clean environment: only PATH, the settings module and the given values."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "csbot.settings", **values}


def settings_under(**values):
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environment(**values),
                          capture_output=True, text=True, timeout=60)
    return done


def test_without_a_database_but_with_debug_off_dev_login_is_off():
    done = settings_under(DEBUG="0", SECRET_KEY="a-real-key-for-this-test")
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout)
    assert (values["debug"], values["dev_login"]) == (False, False)


def test_debug_off_never_falls_back_to_the_development_key():
    done = settings_under(DEBUG="0")
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr


def test_debug_on_keeps_the_development_conveniences():
    values = json.loads(settings_under(DEBUG="1", DATABASE_URL="postgres://x@127.0.0.1/x").stdout)
    assert values["dev_login"] is True and "development" in values["key"]


def test_transport_security_comes_from_the_environment():
    values = json.loads(settings_under(**PRODUCTION).stdout)
    assert values["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["session_secure"] is True and values["hsts"] == 31536000


def check_deploy(**values):
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=environment(**values), capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_production_settings():
    done = check_deploy(**PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize("extra, warning", [
    ({"CSBOT_DEV_LOGIN": "1"}, "csbot.W001"),
    ({"CSBOT_TRUSTED_PROXIES": ""}, "csbot.W002"),
    ({"SESSION_COOKIE_SECURE": "0"}, "security.W012"),
])
def test_check_deploy_warns_about_each_unsafe_choice(extra, warning):
    done = check_deploy(**{**PRODUCTION, **extra})
    assert done.returncode != 0 and warning in done.stdout + done.stderr
