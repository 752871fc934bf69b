from django import forms
from django.utils.translation import gettext_lazy as _

from students.models import Subject

from . import selectors


class SubjectForm(forms.ModelForm):
    """A subject's code, name, aliases and how its results count. The aliases are one text
    field, separated by semicolons, as the importers read them."""

    aliases = forms.CharField(
        label=_("Other names and codes"), required=False, max_length=1000,
        help_text=_("Separated by semicolons, e.g. wis; wiskunde 1. The grade import finds the "
                    "subject by these too."))

    class Meta:
        model = Subject
        fields = ["code", "name", "aliases", "is_core", "counts_for_promotion", "result_kind", "is_active"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.initial["aliases"] = "; ".join(self.instance.aliases or [])
        if self.instance.pk is None:
            del self.fields["is_active"]

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        others = Subject.objects.filter(school=self.school, code__iexact=code).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("This school already has a subject with this code."))
        return code

    def clean_aliases(self):
        return [a.strip() for a in self.cleaned_data["aliases"].split(";") if a.strip()]

    def _post_clean(self):
        # The services save; the model's own checks (the school is set there) are not needed here.
        pass


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Merge into"), queryset=Subject.objects.none(),
        help_text=_("Every grade of this subject moves to the chosen one; this subject's name and "
                    "code become other names of it, and this subject is switched off."))

    def __init__(self, *args, subject, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = selectors.merge_targets(subject)
