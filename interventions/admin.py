from django.contrib import admin

from .models import GroupIntervention, Intervention, InterventionPlan, PlanEvaluation, PlanSettings


class PlanEvaluationInline(admin.TabularInline):
    model = PlanEvaluation
    extra = 0
    raw_id_fields = ["evaluated_by"]


@admin.register(InterventionPlan)
class InterventionPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "student", "status", "started_on", "next_evaluation_on", "group"]
    list_filter = ["status"]
    raw_id_fields = ["student", "responsible", "created_by", "intervention", "flag", "group"]
    inlines = [PlanEvaluationInline]


@admin.register(GroupIntervention)
class GroupInterventionAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "starts_on", "ends_on", "coordinator"]
    list_filter = ["school"]
    search_fields = ["name"]
    raw_id_fields = ["school", "intervention", "coordinator", "created_by"]


@admin.register(PlanSettings)
class PlanSettingsAdmin(admin.ModelAdmin):
    """A school's cycle length and improvement-cycle limit (defaults: 6 weeks, 2 a year)."""

    list_display = ["school", "cycle_weeks", "max_cycles_per_year", "updated_at"]
    raw_id_fields = ["school", "updated_by"]


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    """National entries come from interventions/data (load_menukaart); edit the files, not the rows."""

    list_display = ["name_nl", "category", "effect_months", "cost_level", "evidence_level", "sector",
                    "school", "payable_from_npo", "data_version"]
    list_filter = ["category", "sector", "payable_from_npo", ("school", admin.EmptyFieldListFilter), "school"]
    search_fields = ["key", "name_nl", "name_en"]
    raw_id_fields = ["school", "based_on", "created_by"]
    readonly_fields = ["history", "updated_at"]
