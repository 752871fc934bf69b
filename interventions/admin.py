from django.contrib import admin

from .models import InterventionPlan


@admin.register(InterventionPlan)
class InterventionPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "student", "status", "started_on", "next_evaluation_on"]
    list_filter = ["status"]
    raw_id_fields = ["student", "responsible", "created_by"]
