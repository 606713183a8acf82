"""URL routes of every app."""

from django.contrib import admin
from django.urls import include, path

from chat.observability.views import metrics, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    path("readyz", readyz, name="readyz"),
    path("", include("chat.urls")),
]
