"""Rate limits that hold across reconnects and instances: token buckets kept in Redis.

A bucket per socket resets whenever the client reconnects, and each
instance would keep its own. The buckets here are keyed by who is limited
(a customer, an address, a username at an address) and live in the Redis
that the instances share, updated by one script call, so every socket and
HTTP request of a customer, on any instance, draws from the same bucket.
With the in-memory channel layer (one process) they live in this process.

When Redis cannot be reached, limits let requests through (and count it):
chatting matters more than limiting while Redis is away.
"""

import asyncio
import logging
import threading
import time
import weakref
from typing import Any

from django.conf import settings

from . import metrics
from .ratelimit import TokenBucket

log = logging.getLogger(__name__)

# KEYS[1] the bucket; ARGV: rate per second, burst, cost. Returns 1 when the tokens were taken.
# Redis's own clock, so instances whose clocks differ share one notion of time.
TAKE = """
local rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local data = redis.call('HMGET', KEYS[1], 't', 's')
local tokens = tonumber(data[1]) or burst
local stamp = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local ok = 0
if tokens >= cost then
  tokens = tokens - cost
  ok = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return ok
"""
LOCAL_MAX = 100_000

_local: dict[Any, Any] = {}
_local_lock = threading.Lock()
_batchers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher]" = weakref.WeakKeyDictionary()
_sync_client = None
# The channel layers that put the instances on one Redis (csbot's, and channels_redis's own).
REDIS_LAYERS = frozenset({
    "csbot.channel_layer.ChannelLayer",
    "channels_redis.pubsub.RedisPubSubChannelLayer",
    "channels_redis.core.RedisChannelLayer",
})


def shared():
    """True when the instances share Redis (the Redis channel layer), so the buckets live there."""
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    return bool(settings.REDIS_URL) and backend in REDIS_LAYERS


def _key(kind, who):
    prefix = getattr(settings, "CSBOT_CHANNEL_PREFIX", "csbot")
    return f"{prefix}:limit:{kind}:{who}"


def _take_local(key, rate, burst, cost=1):
    with _local_lock:
        bucket = _local.get(key)
        if bucket is None:
            if len(_local) >= LOCAL_MAX:
                _local.clear()  # crude, but bounded: a flood of keys cannot grow memory
            bucket = _local[key] = TokenBucket(rate=rate, capacity=burst)
        return bucket.take(cost)


def reset_local():
    """Forget the in-process buckets (tests start from full buckets)."""
    with _local_lock:
        _local.clear()


class _Batcher:
    """Send the draws made during one turn of the event loop to Redis in one pipeline.

    A script call per message cost about 0.25 ms of this process's time in
    the Redis client; many draws in one pipeline share the round trip and
    most of that cost, the way the channel layer's publishes do.
    """

    def __init__(self):
        import redis.asyncio as aioredis

        self.client = aioredis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        self.script = self.client.register_script(TAKE)
        self.pending = []
        self.flushing = None

    async def take(self, key, args):
        future = asyncio.get_running_loop().create_future()
        self.pending.append((key, args, future))
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self):
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                results = await self._run(batch)
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), result in zip(batch, results):
                if not future.done():
                    future.set_result(result)

    async def _run(self, batch):
        from redis.exceptions import NoScriptError

        for attempt in (1, 2):
            async with self.client.pipeline(transaction=False) as pipe:
                for key, args, _ in batch:
                    pipe.evalsha(self.script.sha, 1, key, *args)
                try:
                    return await pipe.execute()
                except NoScriptError:
                    if attempt == 2:
                        raise
                    await self.client.script_load(TAKE)  # Redis restarted or was flushed


def _batcher():
    loop = asyncio.get_running_loop()
    found = _batchers.get(loop)
    if found is None:
        found = _batchers[loop] = _Batcher()
    return found


def _sync_redis():
    global _sync_client
    if _sync_client is None:
        import redis

        _sync_client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    return _sync_client


def _redis_failed(exc):
    log.warning("rate limit store unavailable, letting the request through: %r", exc)
    metrics.rate_limit_store_errors.inc()


async def take(kind, who, *, rate, burst, cost=1):
    """Take `cost` tokens from the bucket of `who`; False when it is empty."""
    key = _key(kind, who)
    if not shared():
        return _take_local(key, rate, burst, cost)
    try:
        return bool(await _batcher().take(key, [rate, burst, cost]))
    except Exception as exc:
        _redis_failed(exc)
        return True


async def customer_may_send(customer_id):
    """Draw on the customer's bucket: shared by all their sockets and HTTP calls, on every instance."""
    return await take("customer", customer_id, rate=settings.CSBOT_RATE_LIMIT_PER_S, burst=settings.CSBOT_RATE_LIMIT_BURST)


async def address_may_send(address):
    """Draw on the bucket of a client address (as the trusted proxies report it)."""
    if not address or settings.CSBOT_IP_RATE_LIMIT_PER_S <= 0:
        return True
    return await take("ip", address, rate=settings.CSBOT_IP_RATE_LIMIT_PER_S, burst=settings.CSBOT_IP_RATE_LIMIT_BURST)


# --- sign-in attempts (sync: Django's login runs on a thread) ------------------


def _login_key(username, address):
    return _key("login", f"{(username or '').strip().lower()[:150]}|{address or '-'}")


def login_locked(username, address):
    """True when this username has failed too often from this address within the window."""
    key = _login_key(username, address)
    if not shared():
        with _local_lock:
            failures, until = _local.get(key, (0, 0.0))
        return until > time.monotonic() and failures >= settings.CSBOT_LOGIN_MAX_FAILURES
    try:
        return int(_sync_redis().get(key) or 0) >= settings.CSBOT_LOGIN_MAX_FAILURES
    except Exception as exc:
        _redis_failed(exc)
        return False


def login_failed(username, address):
    """Count a failed sign-in; the count expires CSBOT_LOGIN_WINDOW_S after the first failure."""
    key, window = _login_key(username, address), settings.CSBOT_LOGIN_WINDOW_S
    if not shared():
        with _local_lock:
            failures, until = _local.get(key, (0, 0.0))
            now = time.monotonic()
            _local[key] = (failures + 1, until) if until > now else (1, now + window)
        return
    try:
        pipe = _sync_redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, int(window), nx=True)
        pipe.execute()
    except Exception as exc:
        _redis_failed(exc)


def login_succeeded(username, address):
    key = _login_key(username, address)
    if not shared():
        with _local_lock:
            _local.pop(key, None)
        return
    try:
        _sync_redis().delete(key)
    except Exception as exc:
        _redis_failed(exc)
