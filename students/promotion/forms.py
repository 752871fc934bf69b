"""Forms for advice moments and the final promotion decision. The services check the same
rules again; the forms only make the mistakes visible next to the field."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..forms import DateInput
from ..models import AdviceMoment, PromotionDecision


def _check_in_year(form, field_name, year):
    day = form.cleaned_data.get(field_name)
    if day and day not in year:
        form.add_error(field_name, _(
            "The date must lie in school year %(year)s (%(start)s to %(end)s)."
        ) % {"year": year, "start": date_format(year.start, "SHORT_DATE_FORMAT"),
             "end": date_format(year.end, "SHORT_DATE_FORMAT")})


class AdviceForm(forms.ModelForm):
    class Meta:
        model = AdviceMoment
        fields = ["moment", "given_on", "prognosis", "reasons", "conversation"]
        widgets = {
            "given_on": DateInput,
            "reasons": forms.Textarea(attrs={"rows": 4}),
            "conversation": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "moment": _("One January and one end-of-year advice per school year; any further "
                        "advice is an interim advice."),
            "prognosis": _("Where the student will be next school year if things go on as now."),
        }

    def __init__(self, *args, school_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_year = school_year

    def clean(self):
        data = super().clean()
        _check_in_year(self, "given_on", self.school_year)
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"),
                                 choices=[("", "---------")] + PromotionDecision.Decision.choices)
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput,
                                 help_text=_("The day the team took the decision."))
    justification = forms.CharField(
        label=_("Justification"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Required for repeating the year: why is it the best for this student, and "
                    "what was tried this year?"))

    def __init__(self, *args, school_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_year = school_year

    def clean(self):
        data = super().clean()
        if (data.get("decision") == PromotionDecision.Decision.REPEAT
                and not data.get("justification", "").strip()):
            self.add_error("justification", _(
                "Repeating the year needs a justification: why is it the best for this student?"))
        _check_in_year(self, "decided_on", self.school_year)
        return data
