"""HTTP endpoints: login, the long-poll fallback and the demo page."""

import asyncio
import json

from channels.layers import get_channel_layer
from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import db, ingest, realtime, wechat
from .bot import runner as bot_runner
from .accounts import PLATFORMS, check_allowed, read_token, recently_allowed, sign_in
from .conversations import latest_conversation, open_conversation, queue_position
from .presenters import ack_frame, status_frame
from .protocol.errors import ErrorCode, ProtocolError
from .protocol.frames import validate_client_frame
from .sync import earlier_page, messages_after

POLL_PAGE = 100


def error(code, status, message=None):
    body = {"error": str(code)}
    if message:
        body["message"] = message
    return JsonResponse(body, status=status)


def json_body(request):
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def login_fields(body):
    """Return (device_id, platform, app_version) or None when they are malformed."""
    device_id, platform = body.get("device_id"), body.get("platform")
    app_version = body.get("app_version") or ""
    if not isinstance(device_id, str) or not 1 <= len(device_id) <= 128:
        return None
    if platform not in PLATFORMS or not isinstance(app_version, str) or len(app_version) > 40:
        return None
    return device_id, platform, app_version


def login_answer(customer, token):
    return JsonResponse({"token": token, "expires_in": settings.CSBOT_TOKEN_TTL_S, "customer_id": str(customer.pk)})


@csrf_exempt
@require_POST
async def wx_login(request):
    """Exchange a wx.login code with WeChat and answer with a token."""
    body = json_body(request)
    fields = login_fields(body) if body else None
    code = body.get("code") if body else None
    if fields is None or not isinstance(code, str) or not 1 <= len(code) <= 256:
        return error(ErrorCode.INVALID_REQUEST, 400)
    try:
        session = await wechat.code_to_session(code)
    except wechat.InvalidCode:
        return error(ErrorCode.INVALID_CODE, 401)
    except wechat.UpstreamUnavailable:
        return error(ErrorCode.UPSTREAM_UNAVAILABLE, 502)
    device_id, platform, app_version = fields
    customer, token = await db.call(
        sign_in, openid=session.openid, unionid=session.unionid, session_key=session.session_key,
        device_id=device_id, platform=platform, app_version=app_version,
    )
    return login_answer(customer, token)


@csrf_exempt
@require_POST
def dev_login(request):
    """Sign in by openid without WeChat; only in development setups."""
    if not settings.CSBOT_DEV_LOGIN:
        raise Http404
    body = json_body(request)
    fields = login_fields(body) if body else None
    openid = body.get("openid") if body else None
    if fields is None or not isinstance(openid, str) or not 1 <= len(openid) <= 128:
        return error(ErrorCode.INVALID_REQUEST, 400)
    device_id, platform, app_version = fields
    customer, token = sign_in(openid=openid, device_id=device_id, platform=platform, app_version=app_version)
    return login_answer(customer, token)


async def authenticated_customer(request):
    """Return the customer id a Bearer token names, or None when the token is bad or the customer blocked."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    claims = read_token(header[7:].strip())
    if claims is None:
        return None
    if recently_allowed(claims.customer_id) or await db.read(check_allowed, claims.customer_id):
        return claims.customer_id
    return None


@csrf_exempt
@require_POST
async def post_message(request):
    """Store a message like the socket's `message` frame, through the same batch writer, and answer with its ack."""
    customer_id = await authenticated_customer(request)
    if customer_id is None:
        return error(ErrorCode.UNAUTHORIZED, 401)
    body = json_body(request)
    if body is None:
        return error(ErrorCode.BAD_FRAME, 400, "body must be a JSON object")
    try:
        _, fields = validate_client_frame({**body, "type": "message"})
    except ProtocolError as exc:
        return error(exc.code, 400, exc.message)
    result = await ingest.store_customer_message(customer_id=customer_id, **fields)
    return JsonResponse(ack_frame(result.message))


def poll_snapshot(customer_id, after_seq):
    conversation = latest_conversation(customer_id) or open_conversation(customer=customer_id)
    messages = messages_after(conversation.pk, after_seq, limit=POLL_PAGE)
    status = status_frame(conversation, queue_position(conversation))
    return {"messages": messages, "status": status, "last_seq": conversation.last_seq}


def poll_args(request):
    try:
        after_seq = int(request.GET.get("after_seq", "0"))
        timeout = float(request.GET.get("timeout", "25"))
    except ValueError:
        return None
    if after_seq < 0 or timeout < 0:
        return None
    return after_seq, min(timeout, settings.CSBOT_LONGPOLL_MAX_S)


@require_GET
async def poll(request):
    """Answer at once when newer messages exist, else wait for a wake-up up to `timeout` s."""
    customer_id = await authenticated_customer(request)
    if customer_id is None:
        return error(ErrorCode.UNAUTHORIZED, 401)
    args = poll_args(request)
    if args is None:
        return error(ErrorCode.INVALID_FIELD, 400, "after_seq and timeout must be non-negative numbers")
    after_seq, timeout = args
    # A process serving only long-poll clients still answers their bot turns.
    bot_runner.ensure_started()
    if timeout <= 0:
        return JsonResponse(await db.read(poll_snapshot, customer_id, after_seq))  # no subscription: short polls stay cheap
    return JsonResponse(await _wait_for_change(customer_id, after_seq, timeout))


async def _wait_for_change(customer_id, after_seq, timeout):
    """Answer newer messages at once, else wait up to `timeout` s for one or a status change.

    Subscribe first, then read, so a message committed in between still
    wakes the wait. A long-poll client is nearly always caught up, so reading
    before subscribing as well would cost a third read per request for the
    rare client that is behind.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = realtime.customer_group(customer_id)
    await layer.group_add(group, channel)
    try:
        snapshot = await db.read(poll_snapshot, customer_id, after_seq)
        status = snapshot["status"]
        while not snapshot["messages"]:
            remaining = deadline - loop.time()
            if remaining <= 0 or not await _woken(layer, channel, remaining):
                break
            snapshot = await db.read(poll_snapshot, customer_id, after_seq)
            if snapshot["status"] != status:
                break
        return snapshot
    finally:
        await layer.group_discard(group, channel)


async def _woken(layer, channel, timeout):
    """Wait for a message or status wake-up; False when the time runs out."""
    try:
        async with asyncio.timeout(timeout):
            while (await layer.receive(channel)).get("kind") not in ("message", "status"):
                pass
        return True
    except TimeoutError:
        return False


EARLIER_LIMIT = 100


def earlier_args(request):
    """Return (conversation_id or None, before_seq, limit), or None when malformed."""
    try:
        raw = request.GET.get("conversation_id")
        conversation_id = int(raw) if raw not in (None, "") else None
        before_seq = int(request.GET.get("before_seq", "0"))
        limit = int(request.GET.get("limit", "30"))
    except ValueError:
        return None
    if before_seq < 0 or not 1 <= limit <= EARLIER_LIMIT or (conversation_id is not None and conversation_id < 1):
        return None
    return conversation_id, before_seq, limit


@require_GET
async def earlier(request):
    """Answer the page before a point of the customer's record, reaching into their earlier conversations."""
    customer_id = await authenticated_customer(request)
    if customer_id is None:
        return error(ErrorCode.UNAUTHORIZED, 401)
    args = earlier_args(request)
    if args is None:
        return error(ErrorCode.INVALID_FIELD, 400, "conversation_id, before_seq and limit (1-100) must be numbers")
    return JsonResponse(await db.read(earlier_page, customer_id, *args), json_dumps_params={"ensure_ascii": False})


def favicon(request):
    """Send browsers that ask for /favicon.ico to the page's icon."""
    return HttpResponsePermanentRedirect(static("chat/page/favicon.svg"))


def welcome_language(request) -> str | None:
    """The language asked for by `lang`, else the browser's first choice we speak; None for a bad `lang`."""
    asked = request.GET.get("lang")
    if asked is not None:
        return asked if asked in ("zh", "en") else None
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en" if settings.LANGUAGE_CODE.lower().startswith("en") else "zh"


@require_GET
async def welcome(request):
    """The greeting and the suggested questions for an empty chat, in the customer's language."""
    from .bot import welcome as bot_welcome
    from .bot.embedding import batcher
    from .bot.service import knowledge as current_knowledge
    from .bot.store import popular_articles

    language = welcome_language(request)
    if language is None:
        return error(ErrorCode.INVALID_REQUEST, 400, "lang must be zh or en")
    current = None
    popular = ()
    if settings.CSBOT_BOT_ENABLED:
        current = await current_knowledge.current()
        popular = await db.read(popular_articles)
    result = await bot_welcome.welcome(language, knowledge=current, embed=batcher.embed, popular=popular)
    response = JsonResponse(result.as_dict(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=60"
    response["Vary"] = "Accept-Language"
    return response


def index(request):
    """Serve the web chat page."""
    return render(request, "chat/index.html", {"dev_login": settings.CSBOT_DEV_LOGIN})
