from django.contrib import admin

from .models import Intervention, InterventionPlan


@admin.register(InterventionPlan)
class InterventionPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "student", "status", "started_on", "next_evaluation_on"]
    list_filter = ["status"]
    raw_id_fields = ["student", "responsible", "created_by", "intervention"]


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    """National entries come from interventions/data (load_menukaart); edit the files, not the rows."""

    list_display = ["name_nl", "category", "effect_months", "cost_level", "evidence_level", "sector",
                    "school", "payable_from_npo", "data_version"]
    list_filter = ["category", "sector", "payable_from_npo", ("school", admin.EmptyFieldListFilter), "school"]
    search_fields = ["key", "name_nl", "name_en"]
    raw_id_fields = ["school", "based_on", "created_by"]
    readonly_fields = ["history", "updated_at"]
