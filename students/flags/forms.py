from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from students.models import Flag, RiskLevel
from students.risk.settings import Norm, RiskSettings


class _TunableForm(forms.Form):
    """A form over a frozen settings dataclass (RiskSettings or Norm): one field per setting,
    labels and help from the dataclass, checks by its `from_values` (so the command line,
    the admin data and this page share one set of rules and messages)."""

    tunable = None
    fieldsets = ()

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.result = None
        for name, meta in self.tunable.describe():
            if meta["places"]:
                field = forms.DecimalField(localize=True)
            else:
                field = forms.IntegerField()
            field.label, field.help_text = meta["label"], meta["help"]
            field.initial = getattr(current, name)
            field.widget.attrs.setdefault("inputmode", "decimal" if meta["places"] else "numeric")
            self.fields[name] = field

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.result = self.tunable.from_values({name: data.get(name) for name in self.fields})
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return data

    def grouped(self):
        """[(legend, [bound fields])] for the template."""
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets]


class RiskRulesForm(_TunableForm):
    tunable = RiskSettings
    fieldsets = (
        (_("Grades and the promotion norm"),
         ["points_per_insufficient", "points_discuss", "points_not_promoted"]),
        (_("Falling average"),
         ["trend_recent_weeks", "trend_previous_weeks", "trend_min_drop", "trend_min_scores",
          "points_trend", "points_above_advice"]),
        (_("Cito"), ["cito_min_drop", "points_cito"]),
        (_("Signals and absence"),
         ["signal_weeks", "signals_min", "points_signals", "absence_min", "points_absence"]),
        (_("Pre-exam year and levels"), ["pre_exam_factor", "attention_points", "high_points"]),
    )


class NormForm(_TunableForm):
    tunable = Norm
    fieldsets = (
        (_("Promoted when"),
         ["max_below_55", "max_below_55_with_compensation", "compensation_average",
          "max_tekortpunten", "min_grade", "core_max_below_55", "max_marks_below_voldoende"]),
        (_("Not promoted when more than"), ["max_below_55_discuss", "max_tekortpunten_discuss"]),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does this flag need no action?"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the low grade is a missed test that will be retaken next week."))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why this flag needs no action."))
        return reason


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("all current"))] + [
        c for c in Flag.Status.choices if c[0] != Flag.Status.RESOLVED])
    level = forms.TypedChoiceField(label=_("Risk"), required=False, coerce=int, empty_value=None,
                                   choices=[("", _("attention or high"))] + [
                                       c for c in RiskLevel.choices if c[0]])

    def filters(self):
        if not self.is_valid():
            return {}
        return {"status": self.cleaned_data["status"], "level": self.cleaned_data["level"]}
