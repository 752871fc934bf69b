"""Forms of the team reviews and the driehoeksgesprekken; the services check the same rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import DateInput
from ..models import Conversation, Level, ReviewItem


def _by_pk(objects):
    return {str(o.pk): o for o in objects}


class ReviewForm(forms.Form):
    """A new leerlingbespreking: a date, and a class or a leerjaar (of one level or all)."""

    school = forms.ChoiceField(label=_("School"))
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    class_code = forms.CharField(label=_("Class"), required=False, max_length=20,
                                 help_text=_("For a review of one class, for example 3H1."))
    level = forms.ChoiceField(label=_("Level"), required=False,
                              choices=[("", _("all levels"))] + list(Level.choices))
    leerjaar = forms.TypedChoiceField(label=_("Leerjaar"), required=False, coerce=int,
                                      empty_value=None,
                                      choices=[("", "—")] + [(i, i) for i in range(1, 7)],
                                      help_text=_("Or a review of one leerjaar, of one level or all."))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.schools = _by_pk(schools)
        self.fields["school"].choices = [(pk, s.name) for pk, s in self.schools.items()]
        if len(self.schools) == 1:
            self.fields["school"].widget = forms.HiddenInput()
            self.fields["school"].initial = next(iter(self.schools))
        self.fields["class_code"].widget.attrs["list"] = "class-codes"

    def clean_school(self):
        return self.schools[self.cleaned_data["school"]]

    def clean(self):
        data = super().clean()
        class_code, leerjaar = data.get("class_code"), data.get("leerjaar")
        if class_code and leerjaar:
            raise forms.ValidationError(_("Choose either a class or a leerjaar, not both."))
        if not class_code and leerjaar is None and not self.has_error("leerjaar"):
            raise forms.ValidationError(_("Choose a class or a leerjaar."))
        if class_code and data.get("level"):
            self.add_error("level", _("A level goes with a leerjaar, not with a class."))
        return data


class ConclusionForm(forms.ModelForm):
    class Meta:
        model = ReviewItem
        fields = ["conclusion"]
        widgets = {"conclusion": forms.Textarea(attrs={"rows": 2})}


class ActionForm(forms.Form):
    """One agreed action. The owners are given, so thirty forms on a page cost no queries."""

    description = forms.CharField(label=_("Action"), max_length=255)
    owner = forms.ChoiceField(label=_("Owner"))
    due_on = forms.DateField(label=_("Due date"), widget=DateInput)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = _by_pk(owners)
        self.fields["owner"].choices = [("", "—")] + [(pk, str(u)) for pk, u in self.owners.items()]

    def clean_owner(self):
        return self.owners[self.cleaned_data["owner"]]


class ActionDoneForm(forms.Form):
    done = forms.BooleanField(required=False)


class AgendaAddForm(forms.Form):
    """Put another student of the class or leerjaar on the agenda."""

    student = forms.ChoiceField(label=_("Student"))
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=255)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = _by_pk(candidates)
        self.fields["student"].choices = [("", "—")] + [
            (pk, f"{s.sort_name} ({s.class_code or s.level_year})")
            for pk, s in self.candidates.items()
        ]

    def clean_student(self):
        return self.candidates[self.cleaned_data["student"]]


class ConversationForm(forms.ModelForm):
    class Meta:
        model = Conversation
        fields = ["held_on", "participants", "agreements", "follow_up_on"]
        widgets = {
            "held_on": DateInput,
            "follow_up_on": DateInput,
            "agreements": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self):
        data = super().clean()
        held_on, follow_up_on = data.get("held_on"), data.get("follow_up_on")
        if held_on and follow_up_on and follow_up_on < held_on:
            self.add_error("follow_up_on",
                           _("The follow-up date cannot be before the conversation."))
        return data
