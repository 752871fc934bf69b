from itertools import groupby

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from portal.models import Role, User
from students.models import Subject

from . import selectors
from .models import Intervention, InterventionPlan


class _ByCategory(ModelChoiceIterator):
    """Options grouped per NPO category (the queryset is ordered by category)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for category, entries in groupby(self.queryset, key=lambda entry: entry.category):
            yield (Intervention.Category(category).label, [self.choice(entry) for entry in entries])


class MenukaartChoiceField(forms.ModelChoiceField):
    iterator = _ByCategory

    def label_from_instance(self, obj):
        if obj.is_local:
            return _("%(name)s (local)") % {"name": obj.name_nl}
        return obj.name_nl


class PlanForm(forms.ModelForm):
    class Meta:
        model = InterventionPlan
        fields = ["intervention", "title", "need", "goal", "goal_subject", "goal_grade", "goal_date",
                  "responsible", "started_on", "next_evaluation_on", "status", "ended_on"]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "goal_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_evaluation_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ended_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        field_classes = {"intervention": MenukaartChoiceField}
        help_texts = {"intervention": _("Optional. With an empty title, the plan takes the intervention's name.")}

    def __init__(self, *args, student, **kwargs):
        super().__init__(*args, **kwargs)
        school = student.school
        self.fields["intervention"].queryset = selectors.menukaart_choices_for_school(school)
        self.fields["title"].required = False
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
        if not data.get("title") and "title" not in self.errors:
            if data.get("intervention"):
                data["title"] = data["intervention"].name_nl[:200]
            elif "intervention" not in self.errors:
                self.add_error("title", _("Give the intervention a title, or choose one from the menukaart."))
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


# --- Menukaart --------------------------------------------------------------------------------

class MenukaartFilterForm(forms.Form):
    """The filters of the menukaart page (GET); every filter is optional."""

    behoefte = forms.ChoiceField(label=_("Need"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    categorie = forms.ChoiceField(label=_("Category"), required=False)
    kosten = forms.TypedChoiceField(label=_("Cost at most"), required=False, coerce=int, empty_value=None)
    bewijs = forms.TypedChoiceField(label=_("Evidence at least"), required=False, coerce=int, empty_value=None)
    effect = forms.TypedChoiceField(label=_("Effect at least"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not at import, so that the labels follow the reader's language.
        self.fields["behoefte"].choices = [("", _("all needs")), *Intervention.Need.choices]
        self.fields["sector"].choices = [("", _("po and vo")), (Intervention.Sector.PO, "po"),
                                         (Intervention.Sector.VO, "vo")]
        self.fields["categorie"].choices = [("", _("all categories")), *Intervention.Category.choices]
        self.fields["kosten"].choices = [("", _("any cost"))] + [
            (level, f"{'€' * level} {label}") for level, label in Intervention.CostLevel.choices]
        self.fields["bewijs"].choices = [("", _("any evidence"))] + [
            (level, f"{level}/5 {label}") for level, label in Intervention.EvidenceLevel.choices if level]
        self.fields["effect"].choices = [("", _("any effect")), (0, _("no negative effect"))] + [
            (months, _("+%(months)s months or more") % {"months": months}) for months in (2, 4, 6)]
        self.fields["sort"].choices = [
            ("categorie", _("category")), ("effect", _("highest effect first")),
            ("kosten", _("lowest cost first")), ("bewijs", _("strongest evidence first")),
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filters(self):
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "need": data.get("behoefte", ""), "sector": data.get("sector", ""),
            "category": data.get("categorie", ""), "max_cost": data.get("kosten"),
            "min_evidence": data.get("bewijs"), "min_effect": data.get("effect"),
            "sort": data.get("sort") or "categorie",
        }


class LocalInterventionForm(forms.ModelForm):
    """A school's own intervention, written by its leader."""

    needs = forms.MultipleChoiceField(label=_("Needs addressed"), choices=Intervention.Need.choices,
                                      widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Intervention
        fields = ["name_nl", "name_en", "category", "based_on", "sector", "needs", "description",
                  "working_elements", "advantages", "drawbacks", "tips", "dose_weeks",
                  "dose_hours_per_week", "group_size_min", "group_size_max", "effect_months",
                  "cost_level", "evidence_level", "source"]
        field_classes = {"based_on": MenukaartChoiceField}
        widgets = {field: forms.Textarea(attrs={"rows": 3}) for field in
                   ("description", "working_elements", "advantages", "drawbacks", "tips", "source")}
        help_texts = {
            "name_en": _("Optional."),
            "based_on": _("The menukaart type your intervention is a form of. Only such a form can be "
                          "paid from NPO funds."),
            "effect_months": _("Only with a source; leave empty when unknown."),
            "evidence_level": _("Only with a source: 0 insufficient … 5 very extensive."),
            "source": _("Where the effect or the evidence comes from: a study, a report, your own evaluation."),
        }

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and len(schools) > 1:
            self.fields["school"] = forms.ModelChoiceField(label=_("School"), queryset=schools)
            self.order_fields(["school"])
        self.schools = schools
        self.fields["based_on"].queryset = selectors.menukaart_types()
        self.fields["based_on"].empty_label = _("(not a form of a menukaart type)")
        self.fields["dose_hours_per_week"].localize = True
        self.fields["dose_hours_per_week"].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        if self.instance.pk:
            self.initial["needs"] = self.instance.need_list

    def clean_needs(self):
        needs = set(self.cleaned_data["needs"])
        if needs & {Intervention.Need.LANGUAGE, Intervention.Need.NUMERACY}:
            needs.add(Intervention.Need.COGNITIVE)  # language and numeracy are cognitive needs
        return ",".join(value for value, _label in Intervention.Need.choices if value in needs)

    def clean(self):
        data = super().clean()
        school = data.get("school") or self.instance.school or (self.schools[0] if self.schools else None)
        name = data.get("name_nl")
        if name and school and (Intervention.objects.filter(school=school, name_nl__iexact=name.strip())
                                .exclude(pk=self.instance.pk).exists()):
            self.add_error("name_nl", _("Your school already has an intervention with this name."))
        low, high = data.get("group_size_min"), data.get("group_size_max")
        if low and high and low > high:
            self.add_error("group_size_max", _("The largest group cannot be smaller than the smallest."))
        if (data.get("effect_months") is not None or data.get("evidence_level") is not None) \
                and not (data.get("source") or "").strip():
            self.add_error("source", _("An expected effect or a strength of evidence needs a source."))
        return data

    def target_school(self):
        return self.cleaned_data.get("school") or self.instance.school or self.schools[0]
