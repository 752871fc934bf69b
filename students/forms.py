from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Level, Severity, Student, group_name
from .services import WeekEntry


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates, whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StudentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    klas = forms.CharField(label=_("Class"), required=False)
    niveau = forms.ChoiceField(label=_("Level"), required=False,
                               choices=[("", _("all levels"))] + list(Level.choices),
                               widget=forms.Select(attrs={"class": "form-select"}))
    leerjaar = forms.TypedChoiceField(label=_("Leerjaar"), required=False, coerce=int,
                                      empty_value=None,
                                      choices=[("", _("all years"))] + [(i, i) for i in range(1, 7)],
                                      widget=forms.Select(attrs={"class": "form-select"}))
    zorg = forms.TypedChoiceField(label=_("Signals"), required=False, coerce=int, empty_value=None,
                                  widget=forms.Select(attrs={"class": "form-select"}), choices=[
        ("", _("everyone")), (1, _("attention or more")), (2, _("concern or more")), (3, _("urgent")),
    ])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             widget=forms.Select(attrs={"class": "form-select"}), choices=[
        ("klas", _("class")), ("naam", _("name")), ("niveau", _("level")), ("nummer", _("student number")),
        ("zorg", _("most concern first")),
    ])

    def __init__(self, *args, combined=None, **kwargs):
        """`combined`: {norm level: [combined levels]} (selectors.combined_levels_by_level), so
        that a level reads "havo (incl. havo/vwo)" where such students count in it."""
        super().__init__(*args, **kwargs)
        if combined:
            self.fields["niveau"].choices = [("", _("all levels"))] + [
                (level, group_name(level, combined.get(level, ()))) for level in Level.values]

    def filters(self):
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q", ""),
            "class_code": data.get("klas", ""),
            "level": data.get("niveau", ""),
            "leerjaar": data.get("leerjaar"),
            "sort": data.get("sort") or "klas",
            "min_care": data.get("zorg"),
        }


class StudentNotesForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = ["primary_school_notes", "sex"]
        widgets = {"primary_school_notes": forms.Textarea(attrs={"rows": 6})}


class WeekGridForm(forms.Form):
    """The week grid: a severity per mentee and category, a subject for the cognitive
    signal and a note. Fields are named s-<student>-<category>, subject-<student>, note-<student>."""

    def __init__(self, *args, rows, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        severity_choices = [(v, f"{v} {label}") for v, label in Severity.choices]
        subject_choices = [("", "—")] + [(s.pk, s.name) for s in subjects]
        for row in rows:
            student = row["student"]
            for cell in row["cells"]:
                name = f"s-{student.pk}-{cell['category']}"
                self.fields[name] = forms.TypedChoiceField(
                    choices=severity_choices, coerce=int, initial=cell["value"], required=True)
                cell["field"] = name
            self.fields[f"subject-{student.pk}"] = forms.TypedChoiceField(
                choices=subject_choices, coerce=int, empty_value=None, required=False,
                initial=row["subject_id"])
            self.fields[f"note-{student.pk}"] = forms.CharField(
                required=False, max_length=2000, initial=row["note"])
        for row in rows:
            pk = row["student"].pk
            row["subject_field"] = self[f"subject-{pk}"]
            row["note_field"] = self[f"note-{pk}"]
            for cell in row["cells"]:
                cell["bound"] = self[cell["field"]]

    def entries(self):
        data = self.cleaned_data
        return [
            WeekEntry(
                student=row["student"],
                severities={c["category"]: data[c["field"]] for c in row["cells"]},
                subject_id=data[f"subject-{row['student'].pk}"],
                note=data[f"note-{row['student'].pk}"],
            )
            for row in self.rows
        ]
