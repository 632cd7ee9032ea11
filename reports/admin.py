from django.contrib import admin

from reports.models import SituationReport, SummaryCell


@admin.register(SummaryCell)
class SummaryCellAdmin(admin.ModelAdmin):
    list_display = ("area", "month", "category", "scope", "incident_count", "killed_best", "contested_count")
    list_filter = ("scope", "category")
    list_select_related = ("area",)

    def has_change_permission(self, request, obj=None):
        return False  # built by workers


@admin.register(SituationReport)
class SituationReportAdmin(admin.ModelAdmin):
    list_display = ("region", "period_start", "period_end", "requested_by", "built_at")
