"""The agents app in the admin: profiles, canned responses, tags, transcripts with exports, the console and the dashboard."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from chat.models import Message
from csbot.auth import throttled_login_form

from . import exports, timeline, views
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

    @admin.display(description=_("now"))
    def present_as(self, obj):
        return AgentProfile.Status(effective_status(obj)).label


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
    verbose_name = _("tag")
    verbose_name_plural = _("tags")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The through table's field has no label of its own to translate.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "tag":
            field.label = _("tag")
        return field


class AgentFilter(admin.SimpleListFilter):
    """Filter by the agent a conversation is assigned to, named as the console and the columns name them."""

    title = _("agent")
    parameter_name = "agent"

    def lookups(self, request, model_admin):
        assigned = model_admin.get_queryset(request).exclude(assigned_agent=None).values("assigned_agent")
        return [(str(p.user_id), p.name) for p in AgentProfile.objects.filter(user__in=assigned).select_related("user")]

    def queryset(self, request, queryset):
        return queryset.filter(assigned_agent_id=self.value()) if self.value() else queryset


def _seconds(value):
    if value is None:
        return "–"
    total = int(value.total_seconds())
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}" if total >= 3600 else f"{total // 60}:{total % 60:02d}"


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "status", "agent_name", "opened_at", "wait", "first_reply", "length", "rating", "tag_list")
    list_filter = ("status", AgentFilter, "opened_at", "rating", "tags")
    search_fields = ("messages__text",)
    date_hierarchy = "opened_at"
    fields = ("customer_label", "status", "agent_name", "opened_at", "closed_at", "rating", "rating_comment")
    readonly_fields = fields
    inlines = [TagInline]
    change_form_template = "admin/agents/transcript/change_form.html"
    change_list_template = "admin/agents/transcript/change_list.html"

    def get_queryset(self, request):
        # A page visit or a reload after closing opens a conversation nobody spoke in: not worth a row.
        spoken = Q(last_seq__gt=0) | Q(status__in=[Transcript.Status.QUEUED, Transcript.Status.AGENT])
        queryset = with_timings(super().get_queryset(request).filter(spoken)).select_related("customer").prefetch_related("tags")
        if request.user.has_perm(ALL_TRANSCRIPTS):
            return queryset
        spoke = Message.objects.filter(conversation=OuterRef("pk"), sender_user=request.user)
        return queryset.filter(Q(assigned_agent=request.user) | Exists(spoke))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("customer"))
    def customer_label(self, obj):
        return format_html('{} (<span translate="no">{}</span>)', obj.customer, obj.customer.masked_openid)

    @admin.display(description=_("wait"), ordering="wait_time")
    def wait(self, obj):
        return _seconds(obj.wait_time)

    @admin.display(description=_("first reply"), ordering="first_response")
    def first_reply(self, obj):
        return _seconds(obj.first_response)

    @admin.display(description=_("duration"), ordering="duration")
    def length(self, obj):
        return _seconds(obj.duration)

    @admin.display(description=_("tags"))
    def tag_list(self, obj):
        return ", ".join(t.name for t in obj.tags.all())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        title = _("Conversation #%(id)s") % {"id": object_id}
        extra = {**(extra_context or {}), "entries": timeline.entries(object_id), "show_save": True, "title": title}
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


# Strings of Django 5.2's admin its zh-hans catalogue does not have yet (read
# out by screen readers); ours, taking precedence, fills them in.
DJANGO_ADMIN_GAPS = (gettext_noop("Model name"), gettext_noop("Add link"), gettext_noop("Change or view list link"))


def _install(site):
    """Add the console page to the site and the dashboard to its index."""
    site.site_header = site.site_title = _("Customer service")
    site.index_title = _("Workspace")
    urls, index = site.get_urls, site.index

    def get_urls():
        return [
            path("console/", site.admin_view(views.console), name="agents_console"),
            path("console/media", site.admin_view(views.console_media), name="agents_console_media"),
        ] + urls()

    def index_with_dashboard(request, extra_context=None):
        return index(request, extra_context={**views.dashboard_context(request), **(extra_context or {})})

    site.get_urls, site.index = get_urls, index_with_dashboard
    site.index_template = "admin/dashboard_index.html"
    site.login_form = throttled_login_form()


_install(admin.site)
