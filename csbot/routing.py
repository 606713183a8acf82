"""WebSocket routes of every app."""

from django.urls import path


def websocket_routes():
    from chat.consumers import CustomerConsumer

    routes = [path("ws/chat/", CustomerConsumer.as_asgi())]
    try:
        from agents.routing import websocket_urlpatterns
    except ImportError:
        websocket_urlpatterns = []
    return routes + list(websocket_urlpatterns)
