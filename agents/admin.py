"""The agents app in the admin: profiles, canned responses, tags, transcripts with exports, the console and the dashboard."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.urls import path

from chat.models import Message
from csbot.auth import throttled_login_form

from . import exports, views
from .metrics import with_timings
from .models import AgentProfile, CannedResponse, Tag, Transcript
from .permissions import ALL_TRANSCRIPTS, EXPORT
from .presence import effective_status


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "max_concurrent_chats", "status", "present_as", "last_seen")
    list_select_related = ("user",)
    search_fields = ("display_name", "user__username")
    readonly_fields = ("last_seen",)

    @admin.display(description="now")
    def present_as(self, obj):
        return effective_status(obj)


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ("shortcut", "title", "text")
    search_fields = ("shortcut", "title", "text")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    exclude = ("conversations",)


class TagInline(admin.TabularInline):
    model = Tag.conversations.through
    fk_name = "conversation"
    extra = 1
    verbose_name = "tag"
    verbose_name_plural = "tags"


def _seconds(value):
    if value is None:
        return "–"
    total = int(value.total_seconds())
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}" if total >= 3600 else f"{total // 60}:{total % 60:02d}"


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "status", "agent_name", "opened_at", "wait", "first_reply", "length", "rating", "tag_list")
    list_filter = ("status", ("assigned_agent", admin.RelatedOnlyFieldListFilter), "opened_at", "rating", "tags")
    search_fields = ("messages__text",)
    date_hierarchy = "opened_at"
    fields = ("customer_label", "status", "agent_name", "opened_at", "closed_at", "rating", "rating_comment")
    readonly_fields = fields
    inlines = [TagInline]
    change_form_template = "admin/agents/transcript/change_form.html"
    change_list_template = "admin/agents/transcript/change_list.html"

    def get_queryset(self, request):
        queryset = with_timings(super().get_queryset(request)).select_related("customer").prefetch_related("tags")
        if request.user.has_perm(ALL_TRANSCRIPTS):
            return queryset
        spoke = Message.objects.filter(conversation=OuterRef("pk"), sender_user=request.user)
        return queryset.filter(Q(assigned_agent=request.user) | Exists(spoke))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="customer")
    def customer_label(self, obj):
        return f"{obj.customer} ({obj.customer.masked_openid})"

    @admin.display(description="wait", ordering="wait_time")
    def wait(self, obj):
        return _seconds(obj.wait_time)

    @admin.display(description="first reply", ordering="first_response")
    def first_reply(self, obj):
        return _seconds(obj.first_response)

    @admin.display(description="duration", ordering="duration")
    def length(self, obj):
        return _seconds(obj.duration)

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(t.name for t in obj.tags.all())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entries = Message.objects.filter(conversation_id=object_id).order_by("created_at", "pk")
        extra = {**(extra_context or {}), "entries": entries, "show_save": True}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_csv), name="agents_transcript_export_csv"),
            path("export.json", self.admin_site.admin_view(self.export_json), name="agents_transcript_export_json"),
        ] + super().get_urls()

    def _exported(self, request):
        """Return the changelist's queryset, with its filters and search, for those who may export."""
        if not (request.user.has_perm(EXPORT) and self.has_view_permission(request)):
            raise PermissionDenied
        return self.get_changelist_instance(request).get_queryset(request)

    def export_csv(self, request):
        return exports.export_csv(self._exported(request))

    def export_json(self, request):
        return exports.export_json(self._exported(request))

    def changelist_view(self, request, extra_context=None):
        extra = {**(extra_context or {}), "can_export": request.user.has_perm(EXPORT)}
        return super().changelist_view(request, extra_context=extra)


def _install(site):
    """Add the console page to the site and the dashboard to its index."""
    urls, index = site.get_urls, site.index

    def get_urls():
        return [path("console/", site.admin_view(views.console), name="agents_console")] + urls()

    def index_with_dashboard(request, extra_context=None):
        return index(request, extra_context={**views.dashboard_context(request), **(extra_context or {})})

    site.get_urls, site.index = get_urls, index_with_dashboard
    site.index_template = "admin/dashboard_index.html"
    site.login_form = throttled_login_form()


_install(admin.site)
