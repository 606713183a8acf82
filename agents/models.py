"""The human side's tables: agent profiles, canned responses, tags, and the transcript view of a conversation."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chat.models import Conversation


class AgentProfile(models.Model):
    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile", verbose_name=_("user")
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True, default="")
    max_concurrent_chats = models.PositiveSmallIntegerField(_("most chats at once"), default=5)
    # What the agent chose in the console; presence.effective_status also
    # needs a recent last_seen, so a vanished console counts as offline.
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OFFLINE)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    # Empty: the language the agent's browser asks for (agents.language).
    language = models.CharField(
        _("language"), max_length=10, blank=True, default="", choices=settings.LANGUAGES,
        help_text=_("Leave empty to follow the browser's language."),
    )

    class Meta:
        ordering = ["display_name", "pk"]
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")
        permissions = [
            ("handle_conversations", "Can handle conversations in the console"),
            ("view_all_transcripts", "Can see every conversation's transcript"),
            ("view_reports", "Can see reports and the dashboard"),
            ("export_conversations", "Can export conversations and transcripts"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        """Return the name customers see."""
        return self.display_name or self.user.get_full_name() or self.user.get_username()


class CannedResponse(models.Model):
    shortcut = models.SlugField(_("shortcut"), max_length=40, unique=True, help_text=_("Typed as /shortcut in the reply box."))
    title = models.CharField(_("title"), max_length=100, blank=True, default="")
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["shortcut"]
        verbose_name = _("canned answer")
        verbose_name_plural = _("canned answers")

    def __str__(self):
        return f"/{self.shortcut}"


class Tag(models.Model):
    name = models.SlugField(_("name"), max_length=40, unique=True)
    conversations = models.ManyToManyField(Conversation, blank=True, related_name="tags", verbose_name=_("conversations"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class Transcript(Conversation):
    """A conversation as staff read, filter and export it."""

    class Meta:
        proxy = True
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
