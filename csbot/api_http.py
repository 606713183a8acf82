"""The customer API's HTTP stack: Django's URLs and views, middleware that stays on the event loop.

Under ASGI, Django runs every hook of a classic middleware on a thread of its
own (`sync_to_async`), so a request through the site's nine middlewares
crossed from the event loop to a thread and back about fifteen times. On a
busy server each crossing waits for the loop and the thread to be scheduled:
one daphne process answered about 50 poll requests a second that way, and an
HTTP message took longer to store than to reach the user's socket.

The customer API (`/api/`: sign-in, messages, polling) authenticates by
token, so it needs no session, CSRF, authentication or messages middleware.
What it keeps (the request metrics, the security headers, and the Host
check against ALLOWED_HOSTS with the rest of CommonMiddleware) does no I/O
and runs inline here. Django also starts a thread per request for the
`request_started` and `request_finished` signals; their receivers (query log
reset, stale connection and cache checks, URLconf reset) only look at what
this thread opened, which is nothing, so they run inline too. The admin, the
console and the pages keep the full stack; anything added under `/api/` gets
no session, so it must authenticate by token too.
"""

import asyncio
import contextlib
import tempfile

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.http import JsonResponse
from django.urls import set_script_prefix
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware

PREFIX = "/api/"
# Upload paths, whose bodies are refused past a limit before they are read (see `_read_bounded`).
UPLOAD_PATHS = frozenset({"/api/chat/media"})
# Room for the multipart boundary and part headers around the file itself.
MULTIPART_SLACK = 16 * 1024


class BodyTooLarge(Exception):
    """The request body is over the path's limit; nothing more of it is read."""


def body_limit(scope):
    """The most bytes a request body to this path may have, or None for Django's own handling."""
    if scope["path"] in UPLOAD_PATHS:
        return settings.CSBOT_MAX_MEDIA_BYTES + MULTIPART_SLACK
    return None


def declared_length(scope):
    """The Content-Length the client announced, or None (chunked, absent or malformed)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 20 else None
    return None


class JsonErrors:
    """Answer the API's 4xx without a body of their own (unknown path, wrong method, bad Host) as `{"error": code}`.

    Clients of the API read every refusal the same way (contract, section 6);
    Django's stock 404, 405 and 400 pages are HTML or empty.
    """

    CODES = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}

    def __init__(self, get_response):
        self.get_response = get_response

    def process_response(self, request, response):
        code = self.CODES.get(response.status_code)
        if code is None or response.get("Content-Type", "").startswith("application/json"):
            return response
        answer = JsonResponse({"error": code}, status=response.status_code)
        if "Allow" in response:
            answer["Allow"] = response["Allow"]
        return answer


# Outermost first, as in settings.MIDDLEWARE.
INLINE_MIDDLEWARE = (
    PrometheusBeforeMiddleware, SecurityMiddleware, JsonErrors, CommonMiddleware, PrometheusAfterMiddleware,
)


class ApiHandler(ASGIHandler):
    """Django's ASGI handler with `INLINE_MIDDLEWARE`, each hook called on the event loop."""

    def load_middleware(self, is_async=False):
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response_async)
        for middleware_class in reversed(INLINE_MIDDLEWARE):
            middleware = middleware_class(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, _on_loop(middleware.process_view))
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(_inline(middleware))
        self._middleware_chain = handler

    async def __call__(self, scope, receive, send):
        # Without Django's ThreadSensitiveContext: nothing below runs thread-sensitive sync code.
        if scope["type"] != "http":
            raise ValueError(f"the API serves HTTP only, not {scope['type']}")
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        """Django's `ASGIHandler.handle`, with the signals and the response's close called inline."""
        limit = body_limit(scope)
        try:
            if limit is None:
                body_file = await self.read_body(receive)
            else:
                body_file, scope = await self._read_bounded(scope, receive, limit)
        except RequestAborted:
            return
        except BodyTooLarge:
            # Answered without reading the rest: the body is never held whole.
            response = JsonResponse({"error": "too_large", "message": "the upload is larger than allowed"}, status=413)
            await self.send_response(response, send)
            return
        set_script_prefix(get_script_prefix(scope))
        # send(), not asend(): asend() would hop to a thread for these sync receivers.
        signals.request_started.send(sender=self.__class__, scope=scope)
        try:
            request, error_response = self.create_request(scope, body_file)
            if request is None:
                await self.send_response(error_response, send)
                error_response.close()
                return
            response = await self._respond_unless_disconnected(request, receive, send)
            if response is None:
                signals.request_finished.send(sender=self.__class__)
            else:
                response.close()  # sends request_finished
        finally:
            body_file.close()

    async def _read_bounded(self, scope, receive, limit):
        """Django's `read_body` with a limit: refuse by Content-Length at once, else stop reading past it.

        Django reads any body whole (to disk past FILE_UPLOAD_MAX_MEMORY_SIZE)
        before a view can look at it; DATA_UPLOAD_MAX_MEMORY_SIZE leaves file
        parts out. A chunked body has no length to check, so it is counted as
        it comes and dropped the moment it passes the limit. Returns the body
        and the scope, which names the length of a chunked body once it is
        known: Django's multipart parser reads nothing without one.
        """
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            raise BodyTooLarge
        body_file = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b")
        size = 0
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise RequestAborted()
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge
                if chunk:
                    if getattr(body_file, "_rolled", False):
                        await sync_to_async(body_file.write, thread_sensitive=False)(chunk)
                    else:
                        body_file.write(chunk)
                if not message.get("more_body", False):
                    break
        except BaseException:
            body_file.close()
            raise
        body_file.seek(0)
        if declared is None:
            headers = [(k, v) for k, v in scope.get("headers", ()) if k != b"content-length"]
            scope = {**scope, "headers": headers + [(b"content-length", str(size).encode())]}
        return body_file, scope

    async def _respond_unless_disconnected(self, request, receive, send):
        """Answer the request; None when the client left first (the view is then cancelled, as Django does)."""

        async def respond():
            response = await self.run_get_response(request)
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass  # the client went away while the answer was being sent
            return response

        responding = asyncio.create_task(respond())
        listening = asyncio.create_task(self.listen_for_disconnect(receive))
        try:
            await asyncio.wait([listening, responding], return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            responding.cancel()
            listening.cancel()
            raise
        if responding.done():
            listening.cancel()
            return responding.result()
        responding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await responding
        try:
            listening.result()
        except RequestAborted:
            pass
        return None


def _inline(middleware):
    """Call a middleware's request and response hooks directly instead of on a thread."""

    async def call(request):
        response = middleware.process_request(request) if hasattr(middleware, "process_request") else None
        response = response or await middleware.get_response(request)
        if hasattr(middleware, "process_response"):
            response = middleware.process_response(request, response)
        return response

    return call


def _on_loop(hook):
    async def call(*args, **kwargs):
        return hook(*args, **kwargs)

    return call


def route(api, site):
    """An ASGI app sending `/api/` requests to `api` and the rest to `site`."""

    async def app(scope, receive, send):
        await (api if scope["path"].startswith(PREFIX) else site)(scope, receive, send)

    return app
