"""Settings for csbot, read from the environment.

With no environment at all the project runs embedded: SQLite in the project
folder, the in-memory channel layer, DEBUG on, dev login on. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS, and the transport
security settings below. The development key and dev login follow DEBUG,
never the absence of a database.
"""

import json
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from chat.observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    """Read a boolean from the environment ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    """Read an integer from the environment."""
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_float(name, default):
    """Read a float from the environment."""
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


def env_list(name, default):
    """Read a comma-separated list from the environment."""
    value = os.environ.get(name)
    if value in (None, ""):
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
# Connections per Redis pool of a process (the channel layer's, the shared state's). A burst of
# commands beyond them (thousands of sockets closing at once) waits this long for one rather than failing.
CSBOT_REDIS_MAX_CONNECTIONS = env_int("CSBOT_REDIS_MAX_CONNECTIONS", 200)
CSBOT_REDIS_POOL_WAIT_S = env_float("CSBOT_REDIS_POOL_WAIT_S", 5.0)
# The embedded setup is what runs when nobody configured a database.
EMBEDDED = not DATABASE_URL

DEBUG = env_bool("DEBUG", EMBEDDED)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "csbot-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
# Full origins (scheme://host[:port]) the site is served under, e.g. https://chat.example.com: a POST
# through a TLS proxy carries an https Origin that the admin's CSRF check and the agent socket compare.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- transport security, all from the environment (README, "Production") ----
# Addresses or networks of the proxies in front; only their X-Forwarded-For and
# X-Forwarded-Proto are believed (csbot/forwarded.py). Run daphne without
# --proxy-headers: it would believe them from anyone.
CSBOT_TRUSTED_PROXIES = env_list("CSBOT_TRUSTED_PROXIES", [])


def proxy_ssl_header(value):
    """"X-Forwarded-Proto" (or "X-Forwarded-Proto=https", or "1" for that) as Django's (META key, value), or None.

    Behind a TLS-terminating proxy that overwrites the header (docs/ops/nginx/),
    requests then count as https, which the admin login's CSRF check needs; the
    header is believed only from CSBOT_TRUSTED_PROXIES.
    """
    if not value or value.strip().lower() in ("0", "false", "no", "off"):
        return None
    if value.strip().lower() in ("1", "true", "yes", "on"):
        value = "X-Forwarded-Proto"
    name, _, expected = value.partition("=")
    return ("HTTP_" + name.strip().upper().replace("-", "_"), expected.strip() or "https")


SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Prometheus scrapes each instance directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# The chat page's and the console's Content-Security-Policy; empty means csbot.csp.DEFAULT_POLICY.
CSBOT_CSP = os.environ.get("CSBOT_CSP", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_prometheus",
    "chat",
    "agents",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files answer here, before sessions and the rest (servestatic).
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in agent's profile names their language.
    "agents.language.ProfileLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csbot.csp.ContentSecurityPolicyMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "csbot.urls"
ASGI_APPLICATION = "csbot.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite takes concurrent writers only in WAL mode, with a busy timeout and
# write transactions that take the lock up front (IMMEDIATE), so two writers
# never deadlock upgrading a read lock.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}

# Under ASGI every request and every off-loop database call may run on its
# own thread, so persistent per-thread connections pile up until PostgreSQL
# refuses clients. A process-wide pool hands connections back after each use.
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("CSBOT_DB_POOL", True):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("CSBOT_DB_POOL_MIN", 2),
        "max_size": env_int("CSBOT_DB_POOL_MAX", 20),
        "timeout": env_float("CSBOT_DB_POOL_TIMEOUT_S", 10.0),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASES["default"].setdefault("TEST", {})
    # An on-disk test database: in-memory SQLite cannot be shared between the
    # threads that run the ORM for async code. One per test process.
    DATABASES["default"]["TEST"].setdefault(
        "NAME", os.path.join(tempfile.gettempdir(), f"csbot-test-{os.getpid()}.sqlite3")
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Names in the shared Redis start with this: channel-layer groups and rate-limit buckets.
CSBOT_CHANNEL_PREFIX = os.environ.get("CSBOT_CHANNEL_PREFIX", "csbot")
if REDIS_URL:
    # The pub/sub layer relays several times the messages of the classic
    # layer, has no per-channel capacity that drops silently, and subscribes
    # its groups again after Redis restarts. The pool is sized explicitly:
    # redis-py caps it at 100 by default.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "csbot.channel_layer.ChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": CSBOT_REDIS_MAX_CONNECTIONS,
                        "pool_wait_s": CSBOT_REDIS_POOL_WAIT_S,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "health_check_interval": 15,
                    }
                ],
                "prefix": CSBOT_CHANNEL_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Django's backend, with failed sign-ins counted per username and address (csbot/auth.py).
AUTHENTICATION_BACKENDS = ["csbot.auth.ThrottledModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Chinese first: a new install speaks Simplified Chinese to anyone whose
# browser and profile name no other language the site has.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes and the proxy serves /static/ from (docs/ops/nginx/).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# servestatic serves collectstatic's output (with gzip variants and cache
# headers) when a request reaches an instance. Under DEBUG, and until
# collectstatic has run (a fresh checkout, the embedded demo, the tests'
# servers), it finds the files in the apps' folders instead.
SERVESTATIC_USE_FINDERS = DEBUG or not STATIC_ROOT.is_dir()
SERVESTATIC_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "/admin/login/"

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# One JSON object per line in production; secrets and message text are
# redacted unless DEBUG is on.
CSBOT_LOG_FORMAT = os.environ.get("CSBOT_LOG_FORMAT", "plain" if DEBUG else "json")
if CSBOT_LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("CSBOT_LOG_FORMAT must be 'json' or 'plain'")
LOGGING = logging_config(
    log_format=CSBOT_LOG_FORMAT, level=LOG_LEVEL, instance=os.environ.get("CSBOT_INSTANCE", ""), redact=not DEBUG
)

# --- csbot's own settings -------------------------------------------------

# Sign-in by bare openid: on by default only with DEBUG. Load tests may switch it on
# explicitly on a non-DEBUG server; `check --deploy` then warns (csbot/checks.py).
CSBOT_DEV_LOGIN = env_bool("CSBOT_DEV_LOGIN", DEBUG)
CSBOT_WX_APPID = os.environ.get("CSBOT_WX_APPID", "")
CSBOT_WX_SECRET = os.environ.get("CSBOT_WX_SECRET", "")
CSBOT_WX_API_BASE = os.environ.get("CSBOT_WX_API_BASE", "https://api.weixin.qq.com")
CSBOT_WX_TIMEOUT_S = env_float("CSBOT_WX_TIMEOUT_S", 5.0)
CSBOT_TOKEN_TTL_S = env_int("CSBOT_TOKEN_TTL_S", 86400)
# WeChat's access_token is shared by all instances through Redis and fetched
# again this many seconds before WeChat would expire it.
CSBOT_WX_TOKEN_MARGIN_S = env_int("CSBOT_WX_TOKEN_MARGIN_S", 300)

# Subscribe messages while the mini-program is closed (protocol section 9).
# JSON: {"reply": {"template_id", "page", "data": {"thing1": "agent_name", ...},
# "text_allowed": bool}, "rate_request": {...}}; data values name a source
# (text, agent_name, notice, time) or, after "=", a literal. Empty: off.
try:
    CSBOT_WX_NOTIFY_TEMPLATES = json.loads(os.environ.get("CSBOT_WX_NOTIFY_TEMPLATES") or "{}")
except ValueError as exc:
    raise ImproperlyConfigured("CSBOT_WX_NOTIFY_TEMPLATES must be a JSON object") from exc
if not isinstance(CSBOT_WX_NOTIFY_TEMPLATES, dict):
    raise ImproperlyConfigured("CSBOT_WX_NOTIFY_TEMPLATES must be a JSON object")
CSBOT_NOTIFY_AFTER_S = env_float("CSBOT_NOTIFY_AFTER_S", 60.0)
CSBOT_NOTIFY_POLL_S = env_float("CSBOT_NOTIFY_POLL_S", 5.0)
# Bot answers notify only when this is on.
CSBOT_NOTIFY_BOT = env_bool("CSBOT_NOTIFY_BOT", False)
# What a template that may not carry the message text says instead.
CSBOT_WX_NOTIFY_NOTICE = os.environ.get("CSBOT_WX_NOTIFY_NOTICE", "您有一条新的客服消息")
CSBOT_WX_MINIPROGRAM_STATE = os.environ.get("CSBOT_WX_MINIPROGRAM_STATE", "formal")

# Content safety: customer text checked before it is stored, when on. The
# checker is a class path (see chat.safety), so another service can plug in.
CSBOT_CONTENT_CHECK = env_bool("CSBOT_CONTENT_CHECK", False)
CSBOT_CONTENT_CHECKER = os.environ.get("CSBOT_CONTENT_CHECKER", "chat.safety.WeChatTextChecker")
CSBOT_CONTENT_CHECK_TIMEOUT_S = env_float("CSBOT_CONTENT_CHECK_TIMEOUT_S", 2.0)
CSBOT_CONTENT_CHECK_CONCURRENCY = env_int("CSBOT_CONTENT_CHECK_CONCURRENCY", 64)
CSBOT_CONTENT_CHECK_SCENE = env_int("CSBOT_CONTENT_CHECK_SCENE", 2)
# Pictures (contract section 8). Stored through Django's storage API: local
# files under MEDIA_ROOT by default; any S3-compatible store in production by
# pointing STORAGES["default"] at django-storages (docs/operations.md).
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": os.environ.get("CSBOT_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CSBOT_MAX_MEDIA_BYTES = env_int("CSBOT_MAX_MEDIA_BYTES", 10 * 1024 * 1024)
# More pixels than this is refused before decoding (a small file can decode to gigabytes).
CSBOT_MEDIA_MAX_PIXELS = env_int("CSBOT_MEDIA_MAX_PIXELS", 40_000_000)
CSBOT_MEDIA_THUMB_PX = env_int("CSBOT_MEDIA_THUMB_PX", 320)
# How long a signed picture URL works; every welcome, history page and replay hands out fresh ones.
CSBOT_MEDIA_URL_TTL_S = env_int("CSBOT_MEDIA_URL_TTL_S", 3600)
# Pictures are checked by the same checker as text (chat.safety) when content checks are on.
CSBOT_MEDIA_CHECK_TIMEOUT_S = env_float("CSBOT_MEDIA_CHECK_TIMEOUT_S", 5.0)
# WeChat fetches a picture to check from this site's public address, within this time.
CSBOT_PUBLIC_BASE_URL = os.environ.get("CSBOT_PUBLIC_BASE_URL", "")
CSBOT_MEDIA_CHECK_URL_TTL_S = env_int("CSBOT_MEDIA_CHECK_URL_TTL_S", 86400)
# The Token configured for the mini-program's message push: signs WeChat's verdict callbacks.
CSBOT_WX_PUSH_TOKEN = os.environ.get("CSBOT_WX_PUSH_TOKEN", "")
# How long the HTTP API trusts a customer it found unblocked (see chat.accounts).
CSBOT_ALLOWED_CACHE_S = env_float("CSBOT_ALLOWED_CACHE_S", 10.0)
# "single": a new device signs the older one out; "multi": all stay connected.
CSBOT_DEVICE_POLICY = os.environ.get("CSBOT_DEVICE_POLICY", "single")
if CSBOT_DEVICE_POLICY not in {"single", "multi"}:
    raise ImproperlyConfigured("CSBOT_DEVICE_POLICY must be 'single' or 'multi'")
CSBOT_HEARTBEAT_S = env_int("CSBOT_HEARTBEAT_S", 10)
CSBOT_MAX_FRAME_BYTES = env_int("CSBOT_MAX_FRAME_BYTES", 64 * 1024)
CSBOT_COMPRESS_MIN_BYTES = env_int("CSBOT_COMPRESS_MIN_BYTES", 1024)
# Token bucket per socket: sustained frames per second and the burst allowed.
CSBOT_RATE_LIMIT_PER_S = env_float("CSBOT_RATE_LIMIT_PER_S", 10.0)
CSBOT_RATE_LIMIT_BURST = env_int("CSBOT_RATE_LIMIT_BURST", 40)
# The same rate and burst also bound each customer across all their sockets, reconnects and HTTP
# calls, on every instance (chat/limits.py, in Redis): each connect and each message draws on it.
# HTTP messages also draw on a bucket per client address (0 turns it off; carriers put many users
# behind one address, so it is generous).
CSBOT_IP_RATE_LIMIT_PER_S = env_float("CSBOT_IP_RATE_LIMIT_PER_S", 20.0)
CSBOT_IP_RATE_LIMIT_BURST = env_int("CSBOT_IP_RATE_LIMIT_BURST", 200)
# Admin sign-in: this many failures for one username from one address lock it for the window.
CSBOT_LOGIN_MAX_FAILURES = env_int("CSBOT_LOGIN_MAX_FAILURES", 5)
CSBOT_LOGIN_WINDOW_S = env_int("CSBOT_LOGIN_WINDOW_S", 900)
# Resume replays at most this many messages; further behind gets a fresh page.
CSBOT_REPLAY_WINDOW = env_int("CSBOT_REPLAY_WINDOW", 1000)
CSBOT_PAGE_SIZE = env_int("CSBOT_PAGE_SIZE", 50)
# Bytes a socket may have queued beyond its transport's high-water mark before it is closed with 4413.
CSBOT_SEND_BUDGET_BYTES = env_int("CSBOT_SEND_BUDGET_BYTES", 1024 * 1024)
# A `history` answer is one frame: at most this many bytes (the oldest messages are left for the next page).
CSBOT_HISTORY_MAX_BYTES = env_int("CSBOT_HISTORY_MAX_BYTES", 64 * 1024)
# What `history` answers may take per customer and second, and at once, in this process: a customer
# over it (a client that asks at the frame rate limit, or reconnects to start afresh) is closed 4429.
CSBOT_HISTORY_BYTES_PER_S = env_int("CSBOT_HISTORY_BYTES_PER_S", 128 * 1024)
CSBOT_HISTORY_BURST_BYTES = env_int("CSBOT_HISTORY_BURST_BYTES", 512 * 1024)
# History pages read at once per process; more wait their turn on the event loop, not in the thread pool.
CSBOT_BULK_READS_AT_ONCE = env_int("CSBOT_BULK_READS_AT_ONCE", 2)
# Reconnect storms (chat.admission): new sockets' database reads at once per process, how many may wait, how long.
# At once stays below the database threads so messages being stored always find one.
CSBOT_ADMIT_AT_ONCE = env_int("CSBOT_ADMIT_AT_ONCE", 3)
CSBOT_ADMIT_QUEUE = env_int("CSBOT_ADMIT_QUEUE", 5000)
CSBOT_ADMIT_WAIT_S = env_float("CSBOT_ADMIT_WAIT_S", 10.0)
# Going away (csbot.drain): open sockets are told 1001 at this many a second, so their
# reconnects reach the other instances at a pace they take; never for longer than
# CSBOT_DRAIN_MAX_S (keep it below the service manager's stop timeout).
CSBOT_DRAIN_RATE = env_float("CSBOT_DRAIN_RATE", 100.0)
CSBOT_DRAIN_MAX_S = env_float("CSBOT_DRAIN_MAX_S", 10.0)
# The welcome page, and a resume's replay, in bytes; a longer replay is not honoured (the latest page instead).
CSBOT_PAGE_MAX_BYTES = env_int("CSBOT_PAGE_MAX_BYTES", 256 * 1024)
# How often each process checks its sockets against the database for a
# wake-up the channel layer lost (it is at-most-once).
CSBOT_RECONCILE_S = env_float("CSBOT_RECONCILE_S", 15.0)
CSBOT_LONGPOLL_MAX_S = env_int("CSBOT_LONGPOLL_MAX_S", 30)
CSBOT_INSTANCE = os.environ.get("CSBOT_INSTANCE", "")
# The bot. An empty LLM base URL means no LLM: the bot suggests articles instead.
CSBOT_BOT_ENABLED = env_bool("CSBOT_BOT_ENABLED", True)
CSBOT_LLM_BASE_URL = os.environ.get("CSBOT_LLM_BASE_URL", "")
CSBOT_LLM_API_KEY = os.environ.get("CSBOT_LLM_API_KEY", "")
CSBOT_LLM_MODEL = os.environ.get("CSBOT_LLM_MODEL", "")
# Read timeout per chunk; a whole answer is bounded at three times this.
CSBOT_LLM_TIMEOUT_S = env_float("CSBOT_LLM_TIMEOUT_S", 20.0)
# The sentence encoder: "local" runs multilingual-e5-small in process (bundled
# weights, no network); "endpoint" calls an OpenAI-compatible /v1/embeddings;
# "off" answers from words alone. Decision floors are calibrated per knowledge
# base on import (docs/bot.md), not set here.
CSBOT_BOT_ENCODER = os.environ.get("CSBOT_BOT_ENCODER", "local")
CSBOT_BOT_ENCODER_THREADS = env_int("CSBOT_BOT_ENCODER_THREADS", 1)
CSBOT_EMBEDDINGS_BASE_URL = os.environ.get("CSBOT_EMBEDDINGS_BASE_URL", "")
CSBOT_EMBEDDINGS_MODEL = os.environ.get("CSBOT_EMBEDDINGS_MODEL", "")
CSBOT_EMBEDDINGS_API_KEY = os.environ.get("CSBOT_EMBEDDINGS_API_KEY", "")
CSBOT_EMBEDDINGS_QUERY_PREFIX = os.environ.get("CSBOT_EMBEDDINGS_QUERY_PREFIX", "")
CSBOT_EMBEDDINGS_PASSAGE_PREFIX = os.environ.get("CSBOT_EMBEDDINGS_PASSAGE_PREFIX", "")
CSBOT_EMBEDDINGS_TIMEOUT_S = env_float("CSBOT_EMBEDDINGS_TIMEOUT_S", 10.0)
# Questions embedded together, and how many may wait before turns queue for room.
CSBOT_BOT_EMBED_BATCH = env_int("CSBOT_BOT_EMBED_BATCH", 32)
CSBOT_BOT_EMBED_QUEUE = env_int("CSBOT_BOT_EMBED_QUEUE", 1000)
# Texts whose vectors are kept (questions are read without the order numbers they
# quote, so a question many customers ask is embedded once); 0 keeps none.
CSBOT_BOT_EMBED_CACHE = env_int("CSBOT_BOT_EMBED_CACHE", 20000)
# A turn claimed by a process that then dies is redelivered once its lease expires.
CSBOT_BOT_LEASE_S = env_float("CSBOT_BOT_LEASE_S", 30.0)
# How often a process looks for turns whose wake-up was lost, and for expired leases.
CSBOT_BOT_POLL_S = env_float("CSBOT_BOT_POLL_S", 2.0)
# Turns claimed, decided and stored together (one claim, one encoder pass, one transaction).
CSBOT_BOT_BATCH = env_int("CSBOT_BOT_BATCH", 32)
# Knowledge-base answers decided by the process that stored the question, right after
# its commit, without a claim (chat/bot/direct.py); off, every turn waits for a runner's claim.
CSBOT_BOT_DIRECT = env_bool("CSBOT_BOT_DIRECT", True)
# How long a new turn is left to the process that stored it before any runner's poll claims it
# (a process that died before answering); a turn handed over with a wake-up is claimed at once.
CSBOT_BOT_DIRECT_GRACE_S = env_float("CSBOT_BOT_DIRECT_GRACE_S", 3.0)
# How often a process asks the database whether the knowledge base changed.
CSBOT_BOT_KB_CHECK_S = env_float("CSBOT_BOT_KB_CHECK_S", 3.0)
CSBOT_STREAM_COALESCE_MS = env_int("CSBOT_STREAM_COALESCE_MS", 50)
# The garbage collector in server processes (csbot/gcpolicy.py): freeze what
# is loaded at start, and Python's three thresholds (its default: 700,10,10).
CSBOT_GC_FREEZE = env_bool("CSBOT_GC_FREEZE", True)
CSBOT_GC_THRESHOLDS = os.environ.get("CSBOT_GC_THRESHOLDS", "10000,20,100")
# /metrics answers these networks, or anyone with `Authorization: Bearer <token>` when a token is set.
CSBOT_METRICS_ALLOW = env_list("CSBOT_METRICS_ALLOW", ["127.0.0.1/32", "::1/128"])
CSBOT_METRICS_TOKEN = os.environ.get("CSBOT_METRICS_TOKEN", "")
# When agents are at work, local time (TIME_ZONE), "HH:MM-HH:MM"; empty means always.
# Outside them, or with nobody online, the chat page asks customers to leave a message.
CSBOT_BUSINESS_HOURS = os.environ.get("CSBOT_BUSINESS_HOURS", "")
# An assigned chat its agent has not answered within this goes back to the queue; assignment runs this often.
CSBOT_ASSIGN_TIMEOUT_S = env_float("CSBOT_ASSIGN_TIMEOUT_S", 120.0)
CSBOT_ASSIGN_INTERVAL_S = env_float("CSBOT_ASSIGN_INTERVAL_S", 5.0)
