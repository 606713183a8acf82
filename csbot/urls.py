"""URL routes of every app."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from agents.views import chat_availability
from chat.observability.views import metrics, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    path("readyz", readyz, name="readyz"),
    # The console's and the chat page's strings, in the language the request asks for.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Served by the agents app: the chat app knows nothing of agents.
    path("api/chat/availability", chat_availability, name="chat-availability"),
    path("", include("chat.urls")),
]
