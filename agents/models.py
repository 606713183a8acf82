"""The human side's tables: agent profiles, canned responses, tags, and the transcript view of a conversation."""

from django.conf import settings
from django.db import models

from chat.models import Conversation


class AgentProfile(models.Model):
    class Status(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    display_name = models.CharField(max_length=100, blank=True, default="")
    max_concurrent_chats = models.PositiveSmallIntegerField(default=5)
    # What the agent chose in the console; presence.effective_status also
    # needs a recent last_seen, so a vanished console counts as offline.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFLINE)
    last_seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["display_name", "pk"]
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
    shortcut = models.SlugField(max_length=40, unique=True, help_text="Typed as /shortcut in the reply box.")
    title = models.CharField(max_length=100, blank=True, default="")
    text = models.TextField()

    class Meta:
        ordering = ["shortcut"]

    def __str__(self):
        return f"/{self.shortcut}"


class Tag(models.Model):
    name = models.SlugField(max_length=40, unique=True)
    conversations = models.ManyToManyField(Conversation, blank=True, related_name="tags")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Transcript(Conversation):
    """A conversation as staff read, filter and export it."""

    class Meta:
        proxy = True
        verbose_name = "transcript"
        verbose_name_plural = "conversations and transcripts"
