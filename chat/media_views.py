"""HTTP endpoints for pictures: the customer's upload and the signed file URLs (contract section 8).

The upload's body is bounded before Django reads it (`csbot.api_http`); here
the picture is checked by content, cleaned off the event loop, checked for
safety and stored.
"""

import asyncio
import hashlib
import hmac
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFilesSent
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import db, media, media_urls, safety
from .http_input import BadInput, json_object
from .protocol.errors import ErrorCode
from .views import authenticated_customer, error, rate_limited

log = logging.getLogger(__name__)


def upload_answer(row):
    """The contract's answer to an upload."""
    return {"media_id": str(row.pk), "mime": row.mime, "bytes": row.bytes, "width": row.width, "height": row.height,
            **{k: v for k, v in media_urls.media_summary(row).items() if k in ("url", "thumb_url")}}


def _uploaded_file(request):
    """The multipart `file` field, parsed off the event loop; None when there is none."""
    return request.FILES.get("file")


async def receive_picture(request, *, customer_id=None, uploaded_by=None):
    """Check, clean, safety-check and store the request's `file`; return the Media row or an error response."""
    try:
        upload = await sync_to_async(_uploaded_file, thread_sensitive=False)(request)
    except (RequestDataTooBig, TooManyFilesSent):
        return error(ErrorCode.TOO_LARGE, 413, "the upload is larger than allowed")
    except (MultiPartParserError, SuspiciousOperation, ValueError):
        return error(ErrorCode.INVALID_REQUEST, 400, "the body must be multipart/form-data with a field named file")
    if upload is None:
        return error(ErrorCode.INVALID_REQUEST, 400, "the body must be multipart/form-data with a field named file")
    try:
        if upload.size > settings.CSBOT_MAX_MEDIA_BYTES:
            raise media.too_large()
        cleaned = await asyncio.to_thread(media.clean, upload)
    except media.MediaRefused as exc:
        return error(exc.code, exc.status, exc.message)
    finally:
        upload.close()
    row = await db.call(media.save_cleaned, cleaned, customer_id=customer_id, uploaded_by=uploaded_by)
    if customer_id is not None and await safety.image_refused(customer_id=customer_id, media=row):
        await db.call(media.discard, row)
        return error(ErrorCode.REJECTED, 422, "the picture was refused by the content check")
    return row


@csrf_exempt
@require_POST
async def upload(request):
    """Take one picture from a customer; answer its media_id and signed URLs."""
    customer_id = await authenticated_customer(request)
    if customer_id is None:
        return error(ErrorCode.UNAUTHORIZED, 401)
    limited = await rate_limited(request, customer_id)
    if limited is not None:
        return limited
    row = await receive_picture(request, customer_id=customer_id)
    if isinstance(row, HttpResponse):
        return row
    return JsonResponse(upload_answer(row))


def _read(name):
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError, SuspiciousOperation):
        return None


@require_GET
async def file(request, name):
    """Serve a stored picture to whoever holds a valid, unexpired signed URL; anything else is a 404."""
    expires, sig = request.GET.get("e"), request.GET.get("s")
    if not media_urls.valid(name, expires, sig):
        raise Http404
    data = await asyncio.to_thread(_read, name)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type=media.mime_of(name))
    # Private: the URL is a credential; cached by the browser only until it expires.
    response["Cache-Control"] = f"private, max-age={max(0, int(expires) - int(time.time()))}"
    response["Content-Disposition"] = "inline"
    return response


def _push_signed(request):
    """True when WeChat's message-push signature (SHA-1 of the sorted token, timestamp and nonce) matches."""
    token = settings.CSBOT_WX_PUSH_TOKEN
    parts = [request.GET.get("timestamp", ""), request.GET.get("nonce", "")]
    if not token or not all(parts):
        return False
    digest = hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()
    return hmac.compare_digest(digest, request.GET.get("signature", ""))


@csrf_exempt
async def media_check_callback(request):
    """WeChat's push with the later verdict of mediaCheckAsync (see chat.safety); GET is the URL check."""
    if not _push_signed(request):
        return error(ErrorCode.FORBIDDEN, 403)
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    if request.method != "POST":
        return error(ErrorCode.METHOD_NOT_ALLOWED, 405)
    try:
        body = json_object(request)
    except BadInput as exc:
        return error(exc.code, exc.status, exc.message)
    trace_id, result = body.get("trace_id"), body.get("result")
    if body.get("Event") == "wxa_media_check" and isinstance(trace_id, str) and isinstance(result, dict):
        refused = await db.call(safety.record_media_verdict, trace_id=trace_id, suggest=result.get("suggest"))
        log.info("picture check verdict", extra={"event": "media_check", "refused": refused})
    return HttpResponse("success", content_type="text/plain")
