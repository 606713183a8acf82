"""Read-only admin for the chat tables; the agent workspace lives in the agents app."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .accounts import set_blocked
from .models import Conversation, ConversationEvent, Customer, Device, Message, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeviceInline(admin.TabularInline):
    model = Device
    extra = 0
    fields = ("device_id", "platform", "app_version", "last_seen")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("id", "nickname", "masked_openid", "blocked", "created_at")
    search_fields = ("nickname",)
    list_filter = ("blocked",)
    fields = ("nickname", "masked_openid", "masked_unionid", "blocked", "created_at")
    readonly_fields = fields
    inlines = [DeviceInline]
    actions = ["block_customers", "unblock_customers"]

    def has_block_permission(self, request):
        return request.user.has_perm("chat.block_customer")

    @admin.action(description="Block the selected customers and sign them out everywhere", permissions=["block"])
    def block_customers(self, request, queryset):
        changed = sum(set_blocked(customer_id=pk, blocked=True, by=request.user) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{changed} customer(s) blocked; their tokens are revoked and open chats closed.",
                          messages.SUCCESS)

    @admin.action(description="Unblock the selected customers (they must sign in again)", permissions=["block"])
    def unblock_customers(self, request, queryset):
        changed = sum(set_blocked(customer_id=pk, blocked=False, by=request.user) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{changed} customer(s) unblocked.", messages.SUCCESS)


class RawTableAdmin(ReadOnlyAdmin):
    """A raw table kept for links and debugging, left off the admin home: staff read conversations as transcripts."""

    def has_module_permission(self, request):
        return False


@admin.register(Conversation)
class ConversationAdmin(RawTableAdmin):
    list_display = ("id", "customer", "status", "assigned_agent", "last_seq", "opened_at", "closed_at", "rating")
    list_filter = ("status", "opened_at")
    list_select_related = ("customer", "assigned_agent")


@admin.register(Message)
class MessageAdmin(RawTableAdmin):
    list_display = ("id", "conversation", "seq", "sender", "short_text", "refused", "created_at")
    list_filter = ("sender", "is_note", "refused")
    search_fields = ("text",)
    list_select_related = ("conversation",)

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text[:80]


@admin.register(ConversationEvent)
class ConversationEventAdmin(RawTableAdmin):
    list_display = ("id", "conversation", "kind", "actor", "actor_user", "from_status", "to_status", "created_at")
    list_filter = ("kind", "actor")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What was sent to customers away from the mini-program, and why the rest was not."""

    list_display = ("id", "customer", "conversation", "kind", "state", "outcome", "due_at", "finished_at")
    list_filter = ("kind", "state", "outcome")
    list_select_related = ("customer", "conversation")

from . import admin_kb  # noqa: E402,F401  (the knowledge-base admin)
