from django.urls import path

from . import media_views, views

urlpatterns = [
    path("", views.index, name="chat-index"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("api/auth/wx-login", views.wx_login, name="wx-login"),
    path("api/auth/dev-login", views.dev_login, name="dev-login"),
    path("api/wx/subscriptions", views.wx_subscriptions, name="wx-subscriptions"),
    path("api/chat/messages", views.post_message, name="chat-post-message"),
    path("api/chat/poll", views.poll, name="chat-poll"),
    path("api/chat/earlier", views.earlier, name="chat-earlier"),
    path("api/chat/welcome", views.welcome, name="chat-welcome"),
    path("api/chat/media", media_views.upload, name="chat-media-upload"),
    path("api/chat/media/file/<path:name>", media_views.file, name="chat-media-file"),
    path("api/wx/media-check", media_views.media_check_callback, name="wx-media-check"),
]
