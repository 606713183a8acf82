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

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.http import JsonResponse
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import set_script_prefix
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware

from csbot.versions import require

# `ApiHandler.handle` follows Django's `ASGIHandler.handle` of this series.
require("django", "5.2", __name__)

PREFIX = "/api/"


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
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
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
