from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Customers and the bot")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
