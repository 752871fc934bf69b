from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Level, Student


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
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             widget=forms.Select(attrs={"class": "form-select"}), choices=[
        ("klas", _("class")), ("naam", _("name")), ("niveau", _("level")), ("nummer", _("student number")),
    ])

    def filters(self):
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q", ""),
            "class_code": data.get("klas", ""),
            "level": data.get("niveau", ""),
            "leerjaar": data.get("leerjaar"),
            "sort": data.get("sort") or "klas",
        }


class StudentNotesForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = ["primary_school_notes", "sex"]
        widgets = {"primary_school_notes": forms.Textarea(attrs={"rows": 6})}
