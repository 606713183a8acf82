"""The conversation domain's tables; state changes go through chat.actions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SenderKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    BOT = "bot", _("Bot")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


def mask_identifier(value):
    """Return an identifier with its middle hidden: enough to tell two apart, not to use one."""
    if len(value) <= 8:
        return value[:2] + "…"
    return f"{value[:4]}…{value[-4:]}"


class Customer(models.Model):
    openid = models.CharField(_("OpenID"), max_length=128, unique=True)
    unionid = models.CharField(_("UnionID"), max_length=128, blank=True, default="")
    nickname = models.CharField(_("nickname"), max_length=100, blank=True, default="")
    # WeChat's session key signs user data; it never leaves the server.
    session_key = models.CharField(_("session key"), max_length=128, blank=True, default="", editable=False)
    blocked = models.BooleanField(_("blocked"), default=False)
    # The device whose socket said hello last: under the `single` policy the
    # only one allowed a socket. Checked at reconcile, so a lost kick still lands.
    current_device = models.CharField(_("current device"), max_length=128, blank=True, default="", editable=False)
    # Part of every token; raising it revokes every token issued before (chat.accounts).
    token_generation = models.PositiveIntegerField(_("token generation"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at"]
        permissions = [("block_customer", "Can block customers and revoke their tokens")]

    def __str__(self):
        return self.nickname or _("customer %(id)s") % {"id": self.pk}

    @property
    def masked_openid(self):
        """Return the openid with its middle hidden, for staff screens."""
        return mask_identifier(self.openid)

    @property
    def masked_unionid(self):
        """Return the unionid with its middle hidden, for staff screens: it names the person across apps."""
        return mask_identifier(self.unionid) if self.unionid else ""


class Device(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="devices", verbose_name=_("customer"))
    device_id = models.CharField(_("device id"), max_length=128)
    platform = models.CharField(_("platform"), max_length=20, blank=True, default="")
    app_version = models.CharField(_("app version"), max_length=40, blank=True, default="")
    # Counts this device's accepted hellos: the socket holding the highest is
    # the device's one socket. A counter, not a clock, so two sockets opened in
    # the same millisecond still have a winner.
    generation = models.PositiveBigIntegerField(_("generation"), default=0, editable=False)
    last_seen = models.DateTimeField(_("last seen"), auto_now=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(fields=["customer", "device_id"], name="unique_device_per_customer"),
        ]

    def __str__(self):
        return f"{self.device_id} ({self.platform})"


class Conversation(models.Model):
    class Status(models.TextChoices):
        BOT = "bot", _("With the bot")
        QUEUED = "queued", _("Waiting for an agent")
        AGENT = "agent", _("With an agent")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("customer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOT)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("assigned agent"),
    )
    # Shown to the customer; kept here so chat never needs the agents app.
    agent_name = models.CharField(_("agent name"), max_length=100, blank=True, default="")
    # The highest seq handed out; the next visible message gets last_seq + 1.
    last_seq = models.PositiveIntegerField(_("last seq"), default=0)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    first_customer_message_at = models.DateTimeField(_("first customer message at"), null=True, blank=True)
    first_agent_reply_at = models.DateTimeField(_("first agent reply at"), null=True, blank=True)
    customer_read_seq = models.PositiveIntegerField(_("customer read seq"), default=0)
    agent_read_seq = models.PositiveIntegerField(_("agent read seq"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=~Q(status="closed"),
                name="one_open_conversation_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="rating_between_1_and_5",
            ),
        ]
        indexes = [models.Index(fields=["status", "waiting_since"], name="conversation_queue_idx")]

    def __str__(self):
        return _("conversation %(id)s (%(status)s)") % {"id": self.pk, "status": self.get_status_display()}

    @property
    def is_open(self):
        return self.status != self.Status.CLOSED


class Media(models.Model):
    """One uploaded picture, stored re-encoded (no EXIF) with a thumbnail; messages point at it."""

    # The customer who uploaded it; a picture an agent uploaded has none.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="media", verbose_name=_("customer"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("uploaded by"),
    )
    mime = models.CharField(_("type"), max_length=20)
    bytes = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    # Names in the configured storage (local files, or an S3 bucket through django-storages).
    name = models.CharField(_("file"), max_length=200)
    thumb_name = models.CharField(_("thumbnail"), max_length=200)
    # Set when a content check refused it after upload (WeChat's check answers
    # later, by callback): it is then served to staff only.
    refused = models.BooleanField(_("refused"), default=False)
    # WeChat mediaCheckAsync's trace id, to match its later verdict.
    check_trace = models.CharField(_("check trace"), max_length=64, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.mime} {self.width}×{self.height}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation"))
    # Null only for private notes, which the customer never sees.
    seq = models.PositiveIntegerField(_("seq"), null=True, blank=True)
    sender = models.CharField(_("sender"), max_length=10, choices=SenderKind.choices)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("sender user"),
    )
    sender_name = models.CharField(_("sender name"), max_length=100, blank=True, default="")
    is_note = models.BooleanField(_("private note"), default=False)
    # A customer text the content check refused: kept for staff, with no seq,
    # never delivered to the customer's counterpart nor answered by the bot.
    refused = models.BooleanField(_("refused"), default=False, db_default=False)
    client_msg_id = models.CharField(_("client message id"), max_length=64, null=True, blank=True)
    # Empty for a picture sent without words.
    text = models.TextField(_("text"), blank=True)
    media = models.ForeignKey(
        Media, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("picture"),
    )
    stream_id = models.CharField(_("stream id"), max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["conversation", "seq", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "seq"], condition=Q(seq__isnull=False), name="unique_seq_per_conversation"
            ),
            models.UniqueConstraint(
                fields=["conversation", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="unique_client_msg_id_per_conversation",
            ),
            models.CheckConstraint(
                condition=Q(is_note=True, seq__isnull=True)
                | Q(is_note=False, refused=False, seq__isnull=False)
                | Q(is_note=False, refused=True, seq__isnull=True),
                name="notes_and_refused_have_no_seq",
            ),
        ]
        indexes = [
            models.Index(fields=["client_msg_id"], condition=Q(client_msg_id__isnull=False), name="message_client_msg_idx")
        ]

    def __str__(self):
        return f"#{self.seq} {self.sender}: {self.text[:40]}"


class ConversationEvent(models.Model):
    """One audit row per state change, naming who caused it."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        HANDOFF_REQUESTED = "handoff_requested", _("Handoff requested")
        ASSIGNED = "assigned", _("Assigned")
        UNASSIGNED = "unassigned", _("Unassigned")
        TAKEN_OVER = "taken_over", _("Taken over")
        TRANSFERRED = "transferred", _("Transferred")
        RETURNED_TO_BOT = "returned_to_bot", _("Returned to the bot")
        CLOSED = "closed", _("Closed")
        RATED = "rated", _("Rated")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events", verbose_name=_("conversation"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.CharField(_("actor"), max_length=10, choices=SenderKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("actor user"),
    )
    from_status = models.CharField(_("from status"), max_length=10, blank=True, default="")
    to_status = models.CharField(_("to status"), max_length=10, blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")
        ordering = ["conversation", "id"]

    def __str__(self):
        return f"{self.kind} by {self.actor}"


# --- the bot's knowledge base and turns -----------------------------------


class Article(models.Model):
    """One knowledge-base entry the bot answers from; `slug` is its stable id in imports."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    # The ways customers phrase the question; retrieval matches these most.
    questions = models.JSONField(_("questions"), default=list, blank=True)
    answer = models.TextField(_("answer"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Sentence vectors of the answer's sentences, the title and the questions
    # (float16 rows), and the encoder and texts they were made from: written
    # with a queryset update, so storing them does not move `updated_at`.
    vectors = models.BinaryField(_("vectors"), null=True, blank=True, editable=False)
    vectors_key = models.CharField(_("vectors key"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge base")
        ordering = ["slug"]

    def __str__(self):
        return self.title


class KnowledgeCalibration(models.Model):
    """The decision floors computed from one version of the knowledge base and one encoder."""

    fingerprint = models.CharField(_("fingerprint"), max_length=32)
    encoder = models.CharField(_("encoder"), max_length=120, blank=True, default="")
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("knowledge-base calibration")
        verbose_name_plural = _("knowledge-base calibrations")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["fingerprint", "encoder"], name="calibration_per_kb_encoder")]

    def __str__(self):
        return f"calibration {self.fingerprint} ({self.encoder or 'lexical'})"


class BotTurn(models.Model):
    """The bot's job of answering one customer message: claimed, leased, done once."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="bot_turns", verbose_name=_("conversation"))
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="bot_turn", verbose_name=_("message"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True, default="")
    # Set when a stream began while the bot owned the conversation: its final
    # message may still be stored after an agent took over.
    stream_id = models.CharField(_("stream id"), max_length=64, blank=True, default="")
    # The decision kind (answer, llm, suggest ...); consecutive misses are read from here.
    outcome = models.CharField(_("outcome"), max_length=20, blank=True, default="")
    # The article answered (the topic a follow-up refers to) and the articles offered.
    # Database defaults, so the batch statements that queue turns need not name them.
    article = models.CharField(_("article"), max_length=100, blank=True, default="", db_default="")
    suggestions = models.JSONField(_("suggestions"), default=list, blank=True, db_default=[])
    reply = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reply"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bot turn")
        verbose_name_plural = _("bot turns")
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "lease_until"], name="bot_turn_ready_idx")]

    def __str__(self):
        return f"bot turn {self.pk} ({self.state})"


# --- notifications while the mini-program is closed -----------------------


class SubscriptionConsent(models.Model):
    """One WeChat one-time subscription acceptance: it lets the server send one notification."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    template_id = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey("Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["customer", "template_id"], condition=Q(used_at__isnull=True), name="consent_unused_idx"
            )
        ]

    def __str__(self):
        return f"consent {self.template_id} ({'used' if self.used_at else 'unused'})"


class Notification(models.Model):
    """A subscribe message due to a customer who may have left: claimed by one instance, sent at most once."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        RATE_REQUEST = "rate_request", "Rating request"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notifications")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notifications")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # The customer counts as having seen it once they have read up to here.
    seq = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Why it was skipped or failed (a WeChat errcode, "read", "online", "no_consent" ...).
    outcome = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Replies while the customer is away collapse into the one pending notification.
            models.UniqueConstraint(
                fields=["customer", "kind"], condition=Q(state="pending"), name="one_pending_notification_per_kind"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="notification_due_idx")]

    def __str__(self):
        return f"notification {self.kind} ({self.state})"
