from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from portal.models import Role, User
from students.models import Student, Subject

from . import selectors, services
from .models import GroupIntervention, Intervention, InterventionPlan, PlanEvaluation


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


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def staff_of(school):
    """People of the school who can be responsible for a plan or coordinate a group."""
    return User.objects.filter(
        memberships__school=school, memberships__role__in=[Role.MENTOR, Role.TEACHER, Role.LEADER],
    ).distinct().order_by("last_name", "first_name", "email")


class PlanForm(forms.ModelForm):
    """A plan. On a new plan, `suggestions` (selectors.suggest_interventions) are offered as
    radio choices above the menukaart list; choosing one fills the intervention."""

    suggestion = forms.TypedChoiceField(label=_("Suggested from the menukaart"), required=False,
                                        coerce=int, empty_value=None, widget=forms.RadioSelect)

    class Meta:
        model = InterventionPlan
        fields = ["intervention", "title", "need", "goal", "goal_subject", "goal_grade", "goal_date",
                  "responsible", "started_on", "dose", "agreements", "next_evaluation_on", "status",
                  "ended_on"]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "agreements": forms.Textarea(attrs={"rows": 3}),
            "goal_date": _date_input(),
            "started_on": _date_input(),
            "next_evaluation_on": _date_input(),
            "ended_on": _date_input(),
        }
        field_classes = {"intervention": MenukaartChoiceField}
        labels = {"intervention": _("Or another intervention from the menukaart")}
        help_texts = {
            "intervention": _("Optional. With an empty title, the plan takes the intervention's name."),
            "next_evaluation_on": _("Empty: one cycle after the start."),
        }

    def __init__(self, *args, student, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        school = student.school
        self.fields["intervention"].queryset = selectors.menukaart_choices_for_school(school)
        self.fields["title"].required = False
        # A subject switched off is no longer offered, unless this plan already aims at it.
        self.fields["goal_subject"].queryset = Subject.objects.filter(school=school).filter(
            Q(is_active=True) | Q(pk=self.instance.goal_subject_id))
        self.fields["responsible"].queryset = staff_of(school)
        self.fields["goal_grade"].localize = True
        self.fields["goal_grade"].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        self.fields["goal_grade"].help_text = _("On the 1–10 scale, for example 5,5.")
        self.suggestions = {s.intervention.pk: s for s in suggestions}
        if suggestions:
            self.fields["suggestion"].choices = [("", _("none of these"))] + [
                (s.intervention.pk, f"{s.intervention.name_nl} — {s.why}") for s in suggestions]
            self.order_fields(["suggestion"])
        else:
            del self.fields["suggestion"]
            self.fields["intervention"].label = _("From the menukaart")
        if self.instance.pk is None:
            del self.fields["status"], self.fields["ended_on"]

    def clean(self):
        data = super().clean()
        chosen = self.suggestions.get(data.get("suggestion"))
        if chosen is not None:
            other = data.get("intervention")
            if other is not None and other.pk != chosen.intervention.pk:
                self.add_error("intervention", _("Choose either a suggestion or another intervention, not both."))
            else:
                data["intervention"] = chosen.intervention
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

    def plan_data(self):
        """The cleaned values that belong to the plan (without the suggestion)."""
        return {f: v for f, v in self.cleaned_data.items() if f != "suggestion"}


class EvaluationForm(forms.ModelForm):
    """The evaluation of a plan's cycle. The cycle limit is checked by the service as well."""

    class Meta:
        model = PlanEvaluation
        fields = ["evaluated_on", "goal_result", "decision", "notes"]
        widgets = {
            "evaluated_on": _date_input(),
            "goal_result": forms.RadioSelect,
            "decision": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"notes": _("Required when the plan is adjusted: what changes, and why.")}

    def __init__(self, *args, plan, settings, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan, self.settings, self.today = plan, settings, today
        for name in ("goal_result", "decision"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]

    def clean(self):
        data = super().clean()
        day = data.get("evaluated_on")
        if day and day < self.plan.started_on:
            self.add_error("evaluated_on", _("This date lies before the start of the plan."))
        if day and day > self.today:
            self.add_error("evaluated_on", _("An evaluation cannot lie in the future."))
        if data.get("decision") == PlanEvaluation.Decision.ADJUST and not (data.get("notes") or "").strip():
            self.add_error("notes", _("Say what changes in the plan."))
        if day and data.get("goal_result") and data.get("decision") and not self.errors:
            try:
                services.check_improvement_cycle(
                    self.plan.student, goal_result=data["goal_result"], decision=data["decision"],
                    evaluated_on=day, settings=self.settings)
            except ValidationError as error:
                self.add_error("decision", error)
        return data


class GroupForm(forms.ModelForm):
    class Meta:
        model = GroupIntervention
        fields = ["name", "intervention", "goal", "starts_on", "ends_on", "coordinator", "notes"]
        widgets = {"starts_on": _date_input(), "ends_on": _date_input(),
                   "notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"intervention": MenukaartChoiceField}
        help_texts = {"name": _("For example: Zomerschool 2027 or Rebound 3 havo."),
                      "coordinator": _("Responsible for the plans of the enrolled students; may enrol students.")}

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.schools = list(schools)
        if len(self.schools) > 1:
            self.fields["school"] = forms.ModelChoiceField(label=_("School"), queryset=schools)
            self.order_fields(["school"])
        school = self.schools[0] if self.schools else None
        self.fields["intervention"].queryset = selectors.menukaart_choices_for_school(school)
        self.fields["coordinator"].queryset = (
            User.objects.filter(memberships__school__in=self.schools,
                                memberships__role__in=[Role.MENTOR, Role.TEACHER, Role.LEADER])
            .distinct().order_by("last_name", "first_name", "email"))
        self.fields["coordinator"].required = True

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("This date lies before the start of the group."))
        school = self.target_school()
        coordinator = data.get("coordinator")
        if school and coordinator and not staff_of(school).filter(pk=coordinator.pk).exists():
            self.add_error("coordinator", _("The coordinator must work at the group's school."))
        intervention = data.get("intervention")
        if school and intervention and intervention.school_id not in (None, school.pk):
            self.add_error("intervention", _("Choose an intervention of the menukaart or of this school."))
        return data

    def target_school(self):
        return self.cleaned_data.get("school") or (self.schools[0] if self.schools else None)


class StudentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.sort_name} ({obj.class_code or '—'}, {obj.student_number})"


class EnrolForm(forms.Form):
    students = StudentChoiceField(label=_("Students to enrol"), queryset=None,
                                  widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, group, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        # Any active student of the school is valid; the list shows the candidates searched for.
        self.fields["students"].queryset = Student.objects.filter(school=group.school_id, is_active=True)
        self.fields["students"].choices = [
            (s.pk, self.fields["students"].label_from_instance(s)) for s in candidates]


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
