"""HTTP endpoints: login, the long-poll fallback and the demo page."""

import asyncio

from channels.layers import get_channel_layer
from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import db, ingest, limits, metrics, notifications, realtime, wechat
from .accounts import PLATFORMS, check_allowed, read_token, recently_allowed, sign_in
from .actions.core import latest_conversation, open_conversation
from .actions.queue import queue_position
from .events import Kind, Receiver
from .http_input import BadInput, json_object, query_int, query_seconds
from .presenters import ack_frame, status_frame
from .protocol.errors import ErrorCode, ProtocolError
from .protocol.frames import validate_posted_message
from .sync import earlier_page, messages_after

POLL_PAGE = 100
RETRY_AFTER_S = 2


def error(code, status, message=None):
    body = {"error": str(code)}
    if message:
        body["message"] = message
    return JsonResponse(body, status=status)


def bad_input(exc, *, explain=True):
    """The answer to a refused request body or query; sign-in answers carry the code alone, as the contract shows."""
    return error(exc.code, exc.status, exc.message if explain else None)


def login_fields(body):
    """Return (device_id, platform, app_version) or None when they are malformed."""
    device_id, platform = body.get("device_id"), body.get("platform")
    app_version = body.get("app_version") or ""
    if not isinstance(device_id, str) or not 1 <= len(device_id) <= 128:
        return None
    if not isinstance(platform, str) or platform not in PLATFORMS:
        return None
    if not isinstance(app_version, str) or len(app_version) > 40:
        return None
    return device_id, platform, app_version


def login_answer(customer, token):
    return JsonResponse({"token": token, "expires_in": settings.CSBOT_TOKEN_TTL_S, "customer_id": str(customer.pk)})


@csrf_exempt
@require_POST
async def wx_login(request):
    """Exchange a wx.login code with WeChat and answer with a token."""
    try:
        body = json_object(request)
    except BadInput as exc:
        return bad_input(exc, explain=False)
    fields = login_fields(body)
    code = body.get("code")
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
    try:
        body = json_object(request)
    except BadInput as exc:
        return bad_input(exc, explain=False)
    fields = login_fields(body)
    openid = body.get("openid")
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
    if recently_allowed(claims.customer_id, claims.generation) or await db.read(
        check_allowed, claims.customer_id, claims.generation
    ):
        return claims.customer_id
    return None


@csrf_exempt
@require_POST
async def post_message(request):
    """Store a message like the socket's `message` frame, through the same batch writer, and answer with its ack."""
    customer_id = await authenticated_customer(request)
    if customer_id is None:
        return error(ErrorCode.UNAUTHORIZED, 401)
    limited = await rate_limited(request, customer_id)
    if limited is not None:
        return limited
    try:
        body = json_object(request)
    except BadInput as exc:
        return bad_input(exc)
    try:
        fields = validate_posted_message(body)
    except ProtocolError as exc:
        return error(exc.code, 400, exc.message)
    try:
        result = await ingest.store_customer_message(customer_id=customer_id, **fields)
    except ProtocolError as exc:
        status = 422 if exc.code == ErrorCode.REJECTED else 400
        return error(exc.code, status, exc.message)
    return JsonResponse(ack_frame(result.message))


async def rate_limited(request, customer_id):
    """A 429 when the customer's bucket (shared with their sockets) or their address's bucket is empty, else None."""
    checks = (("customer", limits.customer_may_send, customer_id),
              ("address", limits.address_may_send, request.META.get("REMOTE_ADDR")))
    for bucket, may_send, who in checks:
        if not await may_send(who):
            metrics.rate_limited_http.labels(bucket=bucket).inc()
            response = error(ErrorCode.RATE_LIMITED, 429, "too many messages; try again shortly")
            response["Retry-After"] = "1"
            return response
    return None


@csrf_exempt
@require_POST
async def wx_subscriptions(request):
    """Record the one-time subscription consents the customer accepted in wx.requestSubscribeMessage."""
    customer_id = await authenticated_customer(request)
    if customer_id is None:
        return error(ErrorCode.UNAUTHORIZED, 401)
    try:
        body = json_object(request)
    except BadInput as exc:
        return bad_input(exc)
    template_ids = notifications.valid_template_ids(body.get("template_ids"))
    if template_ids is None:
        return error(ErrorCode.INVALID_REQUEST, 400, "template_ids must be a list of 1-10 template ids")
    accepted = await db.call(notifications.record_consents, customer_id=customer_id, template_ids=template_ids)
    return JsonResponse({"accepted": accepted})


def poll_snapshot(customer_id, after_seq):
    conversation = latest_conversation(customer_id) or open_conversation(customer=customer_id)
    messages = messages_after(conversation.pk, after_seq, limit=POLL_PAGE)
    status = status_frame(conversation, queue_position(conversation))
    return {"messages": messages, "status": status, "last_seq": conversation.last_seq}


def poll_args(request):
    """Return (after_seq, timeout): a seq that fits its column and a finite timeout capped at the maximum."""
    after_seq = query_int(request, "after_seq", 0)
    timeout = query_seconds(request, "timeout", 25.0, maximum=settings.CSBOT_LONGPOLL_MAX_S)
    return after_seq, timeout


@require_GET
async def poll(request):
    """Answer at once when newer messages exist, else wait for a wake-up up to `timeout` s."""
    customer_id = await authenticated_customer(request)
    if customer_id is None:
        return error(ErrorCode.UNAUTHORIZED, 401)
    try:
        after_seq, timeout = poll_args(request)
    except BadInput as exc:
        return bad_input(exc)
    if timeout <= 0:
        return JsonResponse(await db.read(poll_snapshot, customer_id, after_seq))  # no subscription: short polls stay cheap
    try:
        return JsonResponse(await _wait_for_change(customer_id, after_seq, timeout))
    except realtime.LayerUnavailable:
        # Without the channel layer a long poll would never be woken: the
        # client backs off and polls again, here or on another instance.
        response = error(ErrorCode.UNAVAILABLE, 503, "try again later")
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response


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
    group = realtime.customer_group(customer_id)
    channel = await realtime.open_listener(layer, group)
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
        await realtime.close_listener(layer, group, channel)


# A poll answers once a message or a status is committed: no handler, the wake-up is all it needs.
POLL = Receiver("long poll", {Kind.MESSAGE: None, Kind.STATUS: None})


async def _woken(layer, channel, timeout):
    """Wait for a message or status wake-up; False when the time runs out."""
    try:
        async with asyncio.timeout(timeout):
            while not POLL.takes(await layer.receive(channel)):
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
