"""URL routes of every app."""

from django.contrib import admin
from django.urls import include, path

from chat.observability.views import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    path("", include("chat.urls")),
]
