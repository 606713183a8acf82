"""Content safety for customer text and pictures: a pluggable checker, WeChat's checks by default.

Runs only when `CSBOT_CONTENT_CHECK` is on. Each message is checked on its
own coroutine before it joins the ingest batch, so checks of messages from
different sockets run side by side; a bounded number run at once, each within
`CSBOT_CONTENT_CHECK_TIMEOUT_S`. A checker that fails, is slow or is
unreachable never blocks chat: the text passes (fail open), the failure is
logged without the text and counted in `csbot_content_checks_total`.

Pictures are checked once, when they are uploaded (`image_refused`). A
checker that answers at once can refuse the upload (422 `rejected`).
WeChat's `mediaCheckAsync` cannot: it only takes the picture's URL and
answers minutes later, by a push to the mini-program's message callback.
The reading taken here: the upload goes through (a check in progress is
not a refusal), the trace id is kept on the row, and a later "risky"
verdict (`record_media_verdict`, from `POST /api/wx/media-check`) deletes
the picture's files and marks it refused, so its URLs answer 404 and frames
no longer carry it; staff see it marked refused.
"""

import asyncio
import enum
import logging
from collections import OrderedDict
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from . import db, media_urls, metrics
from .media import discard
from .models import Customer, Media
from .wx_token import call_with_token, http_client

log = logging.getLogger(__name__)


class Verdict(enum.Enum):
    PASS = "pass"
    REFUSED = "refused"


class CheckFailed(Exception):
    """The checker could not give a verdict."""


class ContentChecker(Protocol):
    """What a deployment plugs in through CSBOT_CONTENT_CHECKER."""

    async def check_text(self, *, text: str, customer_id: int) -> Verdict:
        """Return the verdict on one customer text; raise CheckFailed (or anything) when there is none."""
        ...


class NoChecker:
    """Lets everything through: for deployments that check elsewhere."""

    async def check_text(self, *, text, customer_id):
        return Verdict.PASS

    async def check_image(self, *, media, customer_id):
        return Verdict.PASS


class WeChatTextChecker:
    """WeChat's msgSecCheck (version 2): "risky" is refused; "pass" and "review" go through."""

    OPENIDS_KEPT = 10_000
    # msgSecCheck takes at most 2500 characters: a longer text is checked in
    # parts, side by side, so nothing slips through past the limit.
    MAX_CHARS = 2500

    def __init__(self):
        self.openids = OrderedDict()  # customer id -> openid, the most recent last

    async def check_text(self, *, text, customer_id):
        openid = await self._openid(customer_id)
        parts = [text[i : i + self.MAX_CHARS] for i in range(0, len(text), self.MAX_CHARS)] or [text]
        verdicts = await asyncio.gather(*(self._check(part, openid) for part in parts))
        return Verdict.REFUSED if Verdict.REFUSED in verdicts else Verdict.PASS

    async def _check(self, text, openid):
        body = {"content": text, "version": 2, "scene": settings.CSBOT_CONTENT_CHECK_SCENE, "openid": openid}
        answer = await call_with_token(lambda token: _post_check(token, body))
        if answer.get("errcode"):
            raise CheckFailed(f"errcode {answer.get('errcode')}")
        suggest = (answer.get("result") or {}).get("suggest")
        if suggest not in ("pass", "review", "risky"):
            raise CheckFailed("no verdict")
        return Verdict.REFUSED if suggest == "risky" else Verdict.PASS

    async def check_image(self, *, media, customer_id):
        """Submit the picture to mediaCheckAsync; the verdict arrives later (module docstring), so PASS now."""
        base = settings.CSBOT_PUBLIC_BASE_URL.rstrip("/")
        if not base:
            raise CheckFailed("CSBOT_PUBLIC_BASE_URL is not set: WeChat cannot fetch the picture")
        openid = await self._openid(customer_id)
        body = {
            "media_url": base + media_urls.signed_url(media.name, ttl=settings.CSBOT_MEDIA_CHECK_URL_TTL_S),
            "media_type": 2, "version": 2, "scene": settings.CSBOT_CONTENT_CHECK_SCENE, "openid": openid,
        }
        answer = await call_with_token(lambda token: _post_check(token, body, path="/wxa/media_check_async"))
        if answer.get("errcode") or not isinstance(answer.get("trace_id"), str):
            raise CheckFailed(f"errcode {answer.get('errcode')}")
        trace = answer["trace_id"][:64]
        await db.call(lambda: Media.objects.filter(pk=media.pk).update(check_trace=trace))
        return Verdict.PASS

    async def _openid(self, customer_id):
        openid = self.openids.get(customer_id)
        if openid is None:
            openid = await db.read(lambda: Customer.objects.values_list("openid", flat=True).get(pk=customer_id))
            self.openids[customer_id] = openid
            while len(self.openids) > self.OPENIDS_KEPT:
                self.openids.popitem(last=False)
        else:
            self.openids.move_to_end(customer_id)
        return openid


async def _post_check(token, body, path="/wxa/msg_sec_check"):
    url = settings.CSBOT_WX_API_BASE.rstrip("/") + path
    response = await http_client().post(
        url, params={"access_token": token}, json=body, timeout=settings.CSBOT_CONTENT_CHECK_TIMEOUT_S
    )
    if response.status_code != 200:
        raise CheckFailed(f"http {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise CheckFailed("not json") from exc
    if not isinstance(data, dict):
        raise CheckFailed("not an object")
    return data


_checker = None
_gate = {}


def checker():
    """Return the configured checker, built once per process."""
    global _checker
    path = settings.CSBOT_CONTENT_CHECKER
    if _checker is None or _checker[0] != path:
        _checker = (path, import_string(path)())
    return _checker[1]


def _semaphore():
    loop = asyncio.get_running_loop()
    found = _gate.get(loop)
    if found is None:
        _gate.clear()  # one loop per process outside tests
        found = _gate[loop] = asyncio.Semaphore(settings.CSBOT_CONTENT_CHECK_CONCURRENCY)
    return found


async def refuses(*, customer_id, text):
    """Return True when the configured check refuses the text; False when it passes, is off or fails."""
    if not settings.CSBOT_CONTENT_CHECK:
        return False
    try:
        async with asyncio.timeout(settings.CSBOT_CONTENT_CHECK_TIMEOUT_S):
            async with _semaphore():
                verdict = await checker().check_text(text=text, customer_id=customer_id)
    except Exception as exc:  # fail open: chat goes on without the check
        metrics.content_checks.labels(result="error").inc()
        log.warning("content check failed; message let through",
                    extra={"event": "content_check", "customer": customer_id, "error": type(exc).__name__})
        return False
    refused = verdict is Verdict.REFUSED
    metrics.content_checks.labels(result="refused" if refused else "pass").inc()
    return refused


async def image_refused(*, customer_id, media):
    """Return True when the configured check refuses an uploaded picture now; False when it passes, is off or fails."""
    if not settings.CSBOT_CONTENT_CHECK:
        return False
    check = getattr(checker(), "check_image", None)
    if check is None:  # a text-only checker: pictures pass
        return False
    try:
        async with asyncio.timeout(settings.CSBOT_MEDIA_CHECK_TIMEOUT_S):
            verdict = await check(media=media, customer_id=customer_id)
    except Exception as exc:  # fail open, as for text
        metrics.content_checks.labels(result="error").inc()
        log.warning("picture check failed; picture let through",
                    extra={"event": "content_check", "customer": customer_id, "error": type(exc).__name__})
        return False
    refused = verdict is Verdict.REFUSED
    metrics.content_checks.labels(result="refused" if refused else "pass").inc()
    return refused


def record_media_verdict(*, trace_id, suggest):
    """Apply a later verdict of WeChat's picture check; return True when it refused a picture."""
    if suggest != "risky":
        return False
    row = Media.objects.filter(check_trace=trace_id, refused=False).first()
    if row is None:
        return False
    discard(row)
    metrics.content_checks.labels(result="refused").inc()
    return True
