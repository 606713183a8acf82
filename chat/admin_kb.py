"""Admin for the bot's knowledge base: edit articles; every process picks up changes within seconds."""

import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Article


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = sorted({tag for tags in Article.objects.values_list("tags", flat=True) for tag in tags or []})
        return [(tag, tag) for tag in tags]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # JSON containment is not portable to SQLite; a knowledge base is small enough to scan.
        ids = [pk for pk, tags in queryset.values_list("pk", "tags") if self.value() in (tags or [])]
        return queryset.filter(pk__in=ids)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "language", "enabled", "updated_at")
    list_filter = ("enabled", TagFilter, "language")
    search_fields = ("title", "questions", "answer", "slug")
    list_editable = ("enabled",)
    readonly_fields = ("updated_at",)
    fields = ("slug", "title", "questions", "answer", "tags", "language", "enabled", "updated_at")
    actions = ["enable", "disable"]

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term and not term.isascii():
            # JSON columns store non-ASCII text escaped (\u9000), so match the escaped form too.
            results = results | queryset.filter(questions__icontains=json.dumps(term)[1:-1])
        return results, duplicates

    @admin.action(description=_("Enable the selected articles"))
    def enable(self, request, queryset):
        self._set_enabled(queryset, True)

    @admin.action(description=_("Disable the selected articles"))
    def disable(self, request, queryset):
        self._set_enabled(queryset, False)

    def _set_enabled(self, queryset, enabled):
        # Saved one by one so updated_at moves and every process rebuilds its index.
        for article in queryset:
            if article.enabled != enabled:
                article.enabled = enabled
                article.save(update_fields=["enabled", "updated_at"])
