"""The conversation domain's tables; state changes go through chat.conversations."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SenderKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    BOT = "bot", "Bot"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System"


def mask_identifier(value):
    """Return an identifier with its middle hidden: enough to tell two apart, not to use one."""
    if len(value) <= 8:
        return value[:2] + "…"
    return f"{value[:4]}…{value[-4:]}"


class Customer(models.Model):
    openid = models.CharField(max_length=128, unique=True)
    unionid = models.CharField(max_length=128, blank=True, default="")
    nickname = models.CharField(max_length=100, blank=True, default="")
    # WeChat's session key signs user data; it never leaves the server.
    session_key = models.CharField(max_length=128, blank=True, default="", editable=False)
    blocked = models.BooleanField(default=False)
    # The device whose socket said hello last: under the `single` policy the
    # only one allowed a socket. Checked at reconcile, so a lost kick still lands.
    current_device = models.CharField(max_length=128, blank=True, default="", editable=False)
    # Part of every token; raising it revokes every token issued before (chat.accounts).
    token_generation = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("block_customer", "Can block customers and revoke their tokens")]

    def __str__(self):
        return self.nickname or f"customer {self.pk}"

    @property
    def masked_openid(self):
        """Return the openid with its middle hidden, for staff screens."""
        return mask_identifier(self.openid)

    @property
    def masked_unionid(self):
        """Return the unionid with its middle hidden, for staff screens: it names the person across apps."""
        return mask_identifier(self.unionid) if self.unionid else ""


class Device(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="devices")
    device_id = models.CharField(max_length=128)
    platform = models.CharField(max_length=20, blank=True, default="")
    app_version = models.CharField(max_length=40, blank=True, default="")
    # Counts this device's accepted hellos: the socket holding the highest is
    # the device's one socket. A counter, not a clock, so two sockets opened in
    # the same millisecond still have a winner.
    generation = models.PositiveBigIntegerField(default=0, editable=False)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "device_id"], name="unique_device_per_customer"),
        ]

    def __str__(self):
        return f"{self.device_id} ({self.platform})"


class Conversation(models.Model):
    class Status(models.TextChoices):
        BOT = "bot", "With the bot"
        QUEUED = "queued", "Waiting for an agent"
        AGENT = "agent", "With an agent"
        CLOSED = "closed", "Closed"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOT)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Shown to the customer; kept here so chat never needs the agents app.
    agent_name = models.CharField(max_length=100, blank=True, default="")
    # The highest seq handed out; the next visible message gets last_seq + 1.
    last_seq = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    first_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_agent_reply_at = models.DateTimeField(null=True, blank=True)
    customer_read_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True, default="")

    class Meta:
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
        return f"conversation {self.pk} ({self.status})"

    @property
    def is_open(self):
        return self.status != self.Status.CLOSED


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    # Null only for private notes, which the customer never sees.
    seq = models.PositiveIntegerField(null=True, blank=True)
    sender = models.CharField(max_length=10, choices=SenderKind.choices)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_name = models.CharField(max_length=100, blank=True, default="")
    is_note = models.BooleanField(default=False)
    # A customer text the content check refused: kept for staff, with no seq,
    # never delivered to the customer's counterpart nor answered by the bot.
    refused = models.BooleanField(default=False, db_default=False)
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)
    text = models.TextField()
    stream_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        OPENED = "opened", "Opened"
        HANDOFF_REQUESTED = "handoff_requested", "Handoff requested"
        ASSIGNED = "assigned", "Assigned"
        UNASSIGNED = "unassigned", "Unassigned"
        TAKEN_OVER = "taken_over", "Taken over"
        TRANSFERRED = "transferred", "Transferred"
        RETURNED_TO_BOT = "returned_to_bot", "Returned to the bot"
        CLOSED = "closed", "Closed"
        RATED = "rated", "Rated"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.CharField(max_length=10, choices=SenderKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True, default="")
    to_status = models.CharField(max_length=10, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation", "id"]

    def __str__(self):
        return f"{self.kind} by {self.actor}"


# --- the bot's knowledge base and turns -----------------------------------


class Article(models.Model):
    """One knowledge-base entry the bot answers from; `slug` is its stable id in imports."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    # The ways customers phrase the question; retrieval matches these most.
    questions = models.JSONField(default=list, blank=True)
    answer = models.TextField()
    tags = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, blank=True, default="")
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Sentence vectors of the answer's sentences, the title and the questions
    # (float16 rows), and the encoder and texts they were made from: written
    # with a queryset update, so storing them does not move `updated_at`.
    vectors = models.BinaryField(null=True, blank=True, editable=False)
    vectors_key = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title


class KnowledgeCalibration(models.Model):
    """The decision floors computed from one version of the knowledge base and one encoder."""

    fingerprint = models.CharField(max_length=32)
    encoder = models.CharField(max_length=120, blank=True, default="")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["fingerprint", "encoder"], name="calibration_per_kb_encoder")]

    def __str__(self):
        return f"calibration {self.fingerprint} ({self.encoder or 'lexical'})"


class BotTurn(models.Model):
    """The bot's job of answering one customer message: claimed, leased, done once."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="bot_turns")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="bot_turn")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    # Set when a stream began while the bot owned the conversation: its final
    # message may still be stored after an agent took over.
    stream_id = models.CharField(max_length=64, blank=True, default="")
    # The decision kind (answer, llm, suggest ...); consecutive misses are read from here.
    outcome = models.CharField(max_length=20, blank=True, default="")
    # The article answered (the topic a follow-up refers to) and the articles offered.
    # Database defaults, so the batch statements that queue turns need not name them.
    article = models.CharField(max_length=100, blank=True, default="", db_default="")
    suggestions = models.JSONField(default=list, blank=True, db_default=[])
    reply = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
