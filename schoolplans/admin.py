from django.contrib import admin

from .models import Budget, ProgrammeLine, SchoolProgramme


class LineInline(admin.TabularInline):
    model = ProgrammeLine
    extra = 0


class BudgetInline(admin.TabularInline):
    model = Budget
    extra = 0


@admin.register(SchoolProgramme)
class SchoolProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "school", "first_year", "state", "version"]
    list_filter = ["state"]
    inlines = [LineInline, BudgetInline]
