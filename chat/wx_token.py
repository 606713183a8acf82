"""WeChat's server access_token: fetched once, shared by every instance, refreshed before it expires.

WeChat keeps one valid access_token per app and each fetch voids the last
one, so instances fetching on their own would void each other's. With Redis
the token lives under one key whose lifetime ends `CSBOT_WX_TOKEN_MARGIN_S`
before WeChat's; whoever misses it takes a short lock, fetches, stores, and
the others wait for the key. A token WeChat calls invalid (40001) is dropped
only if it is still the stored one, so one instance's stale copy never voids
a token another instance fetched since. Without Redis (the embedded setup)
the same happens inside the one process.
"""

import asyncio
import logging
import time
import uuid
import weakref
from typing import Any

import httpx
from django.conf import settings

from . import shared_redis
from .wechat import UpstreamUnavailable

log = logging.getLogger(__name__)

LOCK_TTL_MS = 10_000
WAIT_STEP_S = 0.05

# Delete the key only if it still holds the token that failed.
_COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


async def fetch_from_wechat():
    """Ask WeChat for a fresh access_token; return (token, expires_in seconds)."""
    url = settings.CSBOT_WX_API_BASE.rstrip("/") + "/cgi-bin/token"
    params = {"grant_type": "client_credential", "appid": settings.CSBOT_WX_APPID, "secret": settings.CSBOT_WX_SECRET}
    try:
        async with httpx.AsyncClient(timeout=settings.CSBOT_WX_TIMEOUT_S) as client:
            response = await client.get(url, params=params)
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise UpstreamUnavailable(type(exc).__name__) from exc
    token = data.get("access_token") if isinstance(data, dict) else None
    if response.status_code != 200 or not token:
        raise UpstreamUnavailable(f"token errcode {data.get('errcode') if isinstance(data, dict) else '?'}")
    return token, int(data.get("expires_in") or 7200)


def _lifetime(expires_in):
    return max(30, expires_in - settings.CSBOT_WX_TOKEN_MARGIN_S)


class RedisTokens:
    """The token under one Redis key, fetched under a lock by one instance at a time."""

    def __init__(self, redis, prefix):
        self.redis = redis
        self.key = f"{prefix}:wx:access_token"
        self.lock_key = self.key + ":lock"

    async def get(self):
        """Return a valid token, fetching one if none is stored."""
        deadline = time.monotonic() + settings.CSBOT_WX_TIMEOUT_S + LOCK_TTL_MS / 1000
        while True:
            stored = await self.redis.get(self.key)
            if stored:
                return stored.decode()
            me = uuid.uuid4().hex
            if await self.redis.set(self.lock_key, me, nx=True, px=LOCK_TTL_MS):
                try:
                    stored = await self.redis.get(self.key)  # filled while the lock was taken?
                    if stored:
                        return stored.decode()
                    token, expires_in = await fetch_from_wechat()
                    await self.redis.set(self.key, token, ex=_lifetime(expires_in))
                    log.info("wechat access token fetched", extra={"event": "wx_token", "expires_in": expires_in})
                    return token
                finally:
                    await self.redis.eval(_COMPARE_AND_DELETE, 1, self.lock_key, me)
            if time.monotonic() > deadline:
                raise UpstreamUnavailable("token lock wait timed out")
            await asyncio.sleep(WAIT_STEP_S)

    async def invalidate(self, token):
        """Forget a token WeChat refused, unless another instance has replaced it already."""
        await self.redis.eval(_COMPARE_AND_DELETE, 1, self.key, token)


class LocalTokens:
    """The same for one process (the embedded setup)."""

    def __init__(self):
        self.token, self.expires_at = None, 0.0
        self.lock = asyncio.Lock()

    async def get(self):
        async with self.lock:
            if self.token is None or time.monotonic() >= self.expires_at:
                self.token, expires_in = await fetch_from_wechat()
                self.expires_at = time.monotonic() + _lifetime(expires_in)
            return self.token

    async def invalidate(self, token):
        if self.token == token:
            self.token = None


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


def http_client():
    """Return this event loop's HTTP client for WeChat's server API, so calls reuse connections."""
    loop = asyncio.get_running_loop()
    found = _clients.get(loop)
    if found is None:
        found = _clients[loop] = httpx.AsyncClient(limits=httpx.Limits(max_connections=200, max_keepalive_connections=50))
    return found


def tokens():
    """Return this event loop's token source (Redis when configured)."""
    loop = asyncio.get_running_loop()
    found = _by_loop.get(loop)
    if found is None:
        if shared_redis.enabled():
            found = RedisTokens(shared_redis.client(), shared_redis.prefix())
        else:
            found = LocalTokens()
        _by_loop[loop] = found
    return found


async def call_with_token(request):
    """Run `request(token)` (an awaitable returning WeChat's JSON); on 40001/42001 refresh the token once and retry."""
    source = tokens()
    token = await source.get()
    data = await request(token)
    if data.get("errcode") in (40001, 42001):
        log.info("wechat access token refused; fetching a new one", extra={"event": "wx_token_refused"})
        await source.invalidate(token)
        data = await request(await source.get())
    return data
