from django import forms
from django.utils.translation import gettext_lazy as _

from interventions.models import Intervention

from .models import Adjustment, Budget, ProgrammeLine, ScanConclusion, SchoolProgramme, Spending

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = SchoolProgramme
        fields = ["school", "title", "first_year", "years"]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None


class LineForm(forms.ModelForm):
    class Meta:
        model = ProgrammeLine
        fields = ["intervention", "target_levels", "target_leerjaren", "target_needs", "expected_students",
                  "first_year", "years", "hours", "staff", "cost_per_year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        programme = self.instance.programme
        self.fields["intervention"].queryset = Intervention.objects.for_school(programme.school)
        self.initial.setdefault("first_year", programme.first_year)
        if self.initial["first_year"] is None:
            self.initial["first_year"] = programme.first_year

    def clean(self):
        data = super().clean()
        programme = self.instance.programme
        first, years = data.get("first_year"), data.get("years")
        if first is not None and years and (first < programme.first_year
                                            or first + years > programme.first_year + programme.years):
            raise forms.ValidationError(_("A line runs within the programme's school years (%(period)s).")
                                        % {"period": programme.period_label})
        return data


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ["school_year", "amount_per_student", "students"]

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_year"] = forms.TypedChoiceField(
            label=_("school year"), coerce=int, choices=[(y.start_year, str(y)) for y in programme.school_years])


class ConclusionForm(forms.Form):
    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {c.area: c.text for c in programme.conclusions.all()}
        for area, label in ScanConclusion.Area.choices:
            self.fields[area] = forms.CharField(label=label, required=False, initial=existing.get(area, ""),
                                                widget=forms.Textarea(attrs={"rows": 3}))


class ApprovalForm(forms.ModelForm):
    class Meta:
        model = SchoolProgramme
        fields = ["team_consulted_on", "team_notes", "mr_on", "mr_outcome", "mr_document", "board_on",
                  "board_outcome", "board_document", "municipality_informed_on"]
        widgets = {"team_consulted_on": DATE, "mr_on": DATE, "board_on": DATE,
                   "municipality_informed_on": DATE, "team_notes": forms.Textarea(attrs={"rows": 3})}


class MunicipalityForm(forms.ModelForm):
    """After adoption only the date the municipality was informed can still be recorded."""

    class Meta:
        model = SchoolProgramme
        fields = ["municipality_informed_on"]
        widgets = {"municipality_informed_on": DATE}


class SpendingForm(forms.ModelForm):
    class Meta:
        model = Spending
        fields = ["line", "school_year", "period", "amount", "note"]

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = programme.lines.select_related("intervention")
        self.fields["school_year"] = forms.TypedChoiceField(
            label=_("school year"), coerce=int, choices=[(y.start_year, str(y)) for y in programme.school_years])


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["line", "made_on", "reason"]
        widgets = {"made_on": DATE, "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = programme.lines.select_related("intervention")


class VersionForm(forms.Form):
    reason = forms.CharField(label=_("reason for the change"), widget=forms.Textarea(attrs={"rows": 2}))
