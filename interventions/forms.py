from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Role, User
from students.models import Subject

from .models import InterventionPlan


class PlanForm(forms.ModelForm):
    class Meta:
        model = InterventionPlan
        fields = ["title", "need", "goal", "goal_subject", "goal_grade", "goal_date", "responsible",
                  "started_on", "next_evaluation_on", "status", "ended_on"]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "goal_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_evaluation_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ended_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, student, **kwargs):
        super().__init__(*args, **kwargs)
        school = student.school
        self.fields["goal_subject"].queryset = Subject.objects.filter(school=school)
        self.fields["responsible"].queryset = User.objects.filter(
            memberships__school=school,
            memberships__role__in=[Role.MENTOR, Role.TEACHER, Role.LEADER],
        ).distinct()
        self.fields["goal_grade"].localize = True
        self.fields["goal_grade"].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        self.fields["goal_grade"].help_text = _("On the 1–10 scale, for example 5,5.")
        if self.instance.pk is None:
            del self.fields["status"], self.fields["ended_on"]

    def clean(self):
        data = super().clean()
        start = data.get("started_on")
        for field in ("goal_date", "next_evaluation_on", "ended_on"):
            if start and data.get(field) and data[field] < start:
                self.add_error(field, _("This date lies before the start of the plan."))
        if data.get("goal_grade") is not None and not data.get("goal_subject"):
            self.add_error("goal_subject", _("A goal grade needs the subject it is for."))
        status = data.get("status")
        if status and status != InterventionPlan.Status.ACTIVE and not data.get("ended_on"):
            self.add_error("ended_on", _("Give the date the plan ended."))
        return data
