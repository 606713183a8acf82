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
and runs inline here. The admin, the console and the pages keep the full
stack; anything added under `/api/` gets no session, so it must authenticate
by token too.
"""

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware

PREFIX = "/api/"

# Outermost first, as in settings.MIDDLEWARE.
INLINE_MIDDLEWARE = (PrometheusBeforeMiddleware, SecurityMiddleware, CommonMiddleware, PrometheusAfterMiddleware)


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
