from django.contrib import admin

from .models import Student


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["student_number", "family_name", "given_name", "school", "level", "leerjaar", "class_code", "is_active"]
    list_filter = ["school", "level", "leerjaar", "is_active"]
    search_fields = ["student_number", "family_name", "given_name"]
    raw_id_fields = ["mentor"]
