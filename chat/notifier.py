"""Sends the due subscribe messages: one loop per process, each notification claimed by one instance."""

import asyncio
import logging
import os
import socket
import uuid

import httpx
from django.conf import settings

from . import db, metrics, notifications, presence
from .models import Notification
from .wechat import UpstreamUnavailable
from .wx_token import call_with_token, http_client

log = logging.getLogger(__name__)

State = Notification.State
RETRY_S = 30.0

_task = None


def worker_name():
    return f"{settings.CSBOT_INSTANCE or socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def ensure_started():
    """Start this process's sender on the running loop, when a template is configured."""
    global _task
    if not notifications.enabled():
        return
    loop = asyncio.get_running_loop()
    if _task is not None and not _task.done() and _task.get_loop() is loop:
        return
    _task = loop.create_task(run(worker_name()), name="notifier")


async def stop():
    global _task
    task, _task = _task, None
    if task is not None and not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def run(worker):
    while True:
        try:
            await send_due(worker)
        except Exception:
            log.exception("notification round failed")
        await asyncio.sleep(settings.CSBOT_NOTIFY_POLL_S)


async def send_due(worker):
    """Claim what is due and send it; return the number claimed."""
    claimed = await db.read(notifications.claim_due, worker=worker)
    for item in claimed:
        try:
            await send_one(item)
        except Exception:
            log.exception("notification failed", extra={"event": "notify", "notification": item.notification_id})
            await db.read(notifications.finish, item.notification_id, State.FAILED, "error")
            metrics.notifications.labels(result="failed").inc()
    return len(claimed)


async def send_one(item):
    """Send one claimed notification unless the customer is back or it is no longer needed."""
    if await presence.is_online(item.customer_id):
        await db.read(notifications.finish, item.notification_id, State.SKIPPED, "online")
        metrics.notifications.labels(result="skipped").inc()
        return
    payload = await db.read(notifications.prepare_send, item.notification_id)
    if payload is None:
        metrics.notifications.labels(result="skipped").inc()
        return
    try:
        answer = await call_with_token(lambda token: _post(token, payload))
    except (UpstreamUnavailable, httpx.ConnectError) as exc:
        # WeChat never got it: the consent is unused again and the row retried later.
        log.warning("notification not sent, retrying later", extra={"event": "notify", "error": str(exc)})
        await db.read(notifications.give_back, item.notification_id, retry_in_s=RETRY_S)
        metrics.notifications.labels(result="retry").inc()
        return
    except httpx.HTTPError as exc:  # WeChat may have got it: never twice
        await db.read(notifications.finish, item.notification_id, State.FAILED, type(exc).__name__)
        metrics.notifications.labels(result="failed").inc()
        return
    errcode = answer.get("errcode") or 0
    if errcode:
        log.warning("wechat refused a notification", extra={"event": "notify", "errcode": errcode})
        await db.read(notifications.finish, item.notification_id, State.FAILED, f"errcode {errcode}")
        metrics.notifications.labels(result="failed").inc()
        return
    await db.read(notifications.finish, item.notification_id, State.SENT)
    metrics.notifications.labels(result="sent").inc()
    log.info("notification sent", extra={"event": "notify", "notification": item.notification_id})


async def _post(token, payload):
    url = settings.CSBOT_WX_API_BASE.rstrip("/") + "/cgi-bin/message/subscribe/send"
    response = await http_client().post(url, params={"access_token": token}, json=payload, timeout=settings.CSBOT_WX_TIMEOUT_S)
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        return {"errcode": f"http {response.status_code}"}
    return data
