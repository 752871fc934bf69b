from django.contrib import admin

from .models import (
    AdviceMoment, Conversation, Flag, FlagEvent, ImportJob, MentorAssignment, PromotionDecision, PromotionNorm,
    RiskRules, Score, Signal, StandardisedResult, Student, Subject, TeamReview,
)


class MentorHistoryInline(admin.TabularInline):
    model = MentorAssignment
    extra = 0
    raw_id_fields = ["mentor"]


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["student_number", "family_name", "given_name", "school", "level", "combined_level",
                    "leerjaar", "class_code", "is_active"]
    list_filter = ["school", "level", "leerjaar", "is_active"]
    search_fields = ["student_number", "family_name", "given_name"]
    raw_id_fields = ["mentor"]
    inlines = [MentorHistoryInline]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "school", "is_core", "counts_for_promotion", "result_kind", "is_active"]
    list_filter = ["school", "is_core", "counts_for_promotion", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["student", "subject", "test", "date", "grade", "mark", "is_school_exam", "weight", "period"]
    list_filter = ["subject__school"]
    search_fields = ["student__student_number", "test"]
    raw_id_fields = ["student", "subject"]
    list_select_related = ["student", "subject"]


@admin.register(StandardisedResult)
class StandardisedResultAdmin(admin.ModelAdmin):
    list_display = ["student", "domain", "test", "date", "level", "reference_level", "level_advice", "ability"]
    raw_id_fields = ["student"]


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ["student", "week", "category", "severity", "author"]
    list_filter = ["category", "severity"]
    raw_id_fields = ["student", "subject", "author"]
    list_select_related = ["student", "author"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["student", "held_on", "follow_up_on"]
    raw_id_fields = ["student", "author"]


@admin.register(TeamReview)
class TeamReviewAdmin(admin.ModelAdmin):
    list_display = ["school", "held_on", "class_code", "level", "leerjaar"]
    list_filter = ["school"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "school", "kind", "status", "created_at", "total_rows"]
    list_filter = ["kind", "status", "school"]
    readonly_fields = ["summary", "errors", "preview_rows", "mapping"]


@admin.register(RiskRules)
class RiskRulesAdmin(admin.ModelAdmin):
    list_display = ["school", "updated_at", "updated_by"]


@admin.register(PromotionNorm)
class PromotionNormAdmin(admin.ModelAdmin):
    list_display = ["school", "school_year", "level", "leerjaar"]
    list_filter = ["school", "school_year"]


class FlagEventInline(admin.TabularInline):
    model = FlagEvent
    extra = 0
    readonly_fields = ["at", "kind", "level", "reasons", "by", "note"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["student", "level", "status", "raised_on", "resolved_on"]
    list_filter = ["level", "status"]
    raw_id_fields = ["student", "acknowledged_by", "dismissed_by"]
    inlines = [FlagEventInline]


@admin.register(PromotionDecision)
class PromotionDecisionAdmin(admin.ModelAdmin):
    list_display = ["student", "school_year", "decision", "decided_on"]
    list_filter = ["school_year", "decision"]
    raw_id_fields = ["student", "decided_by"]


@admin.register(AdviceMoment)
class AdviceMomentAdmin(admin.ModelAdmin):
    list_display = ["student", "school_year", "moment", "given_on", "prognosis"]
    list_filter = ["school_year", "moment", "prognosis"]
    raw_id_fields = ["student", "given_by"]
