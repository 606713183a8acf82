"""Admin for the bot's knowledge base: edit articles; every process picks up changes within seconds."""

import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .bot.calibration import NEVER, Calibration
from .bot.store import latest_calibration
from .models import Article, KnowledgeCalibration


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

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "calibration": calibration_summary()}
        return super().changelist_view(request, extra_context=extra_context)

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


def calibration_summary() -> dict | None:
    """The floors the bot answers with: this process's current ones, else the last computed anywhere."""
    from .bot.service import knowledge

    current = knowledge.index
    when = None
    if current is not None:
        calibration = current.calibration
    else:
        row = latest_calibration()
        if row is None:
            return None
        calibration, when = Calibration.from_dict(row.data), row.created_at
    answers = calibration.answer_score < NEVER
    return {
        "answers": answers,
        "answer_score": f"{calibration.answer_score:.3f}" if answers else "-",
        "answer_margin": f"{calibration.answer_margin:.3f}" if answers else "-",
        "suggest_score": f"{calibration.suggest_score:.3f}",
        "covered": calibration.covered,
        "positives": calibration.positives,
        "negatives": calibration.negatives,
        "coverage_pct": round(100 * calibration.coverage, 1),
        "encoder": calibration.encoder or "words only",
        "when": when,
    }


@admin.register(KnowledgeCalibration)
class KnowledgeCalibrationAdmin(admin.ModelAdmin):
    """Read-only: each version of the knowledge base and the floors computed for it."""

    list_display = ("created_at", "fingerprint", "encoder", "answer_floor", "lead_floor", "held_out_covered")
    readonly_fields = ("fingerprint", "encoder", "data", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="answer score floor")
    def answer_floor(self, obj):
        return _floor(obj.data.get("answer_score"))

    @admin.display(description="lead floor")
    def lead_floor(self, obj):
        return _floor(obj.data.get("answer_margin"))

    @admin.display(description="held-out questions answered")
    def held_out_covered(self, obj):
        return f"{obj.data.get('covered', 0)} / {obj.data.get('positives', 0)}"


def _floor(value) -> str:
    return "-" if value is None or value >= NEVER else f"{value:.3f}"
