from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..models import ImportJob
from .limits import size_problem
from .score_columns import SCORE_COLUMNS, SCORE_KINDS


def _size_problem(upload, kind):
    """The importer's own size limit (limits.IMPORT_LIMITS), checked before a job is made."""
    problem = size_problem(upload.size, kind)
    if problem:
        raise forms.ValidationError(problem)
    return upload


class RosterUploadForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None, empty_label=None,
                                    widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("The export of your student information system as .csv or .xlsx, with the "
                    "column names in the first row."),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.single_school = schools[0] if len(schools) == 1 else None
        if self.single_school:
            # A leader of one school has nothing to choose.
            self.fields["school"].initial = self.single_school.pk
            self.fields["school"].widget = forms.HiddenInput()
            self.fields["school"].required = False

    def clean_school(self):
        return self.cleaned_data.get("school") or self.single_school

    def clean_file(self):
        return _size_problem(self.cleaned_data["file"], ImportJob.Kind.ROSTER)


class TransferUploadForm(RosterUploadForm):
    file = forms.FileField(
        label=_("Transfer file"),
        help_text=_("The primary schools' transfer data (warme overdracht) as .csv or .xlsx, one row "
                    "per student number, with the column names in the first row."),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        return _size_problem(self.cleaned_data["file"], ImportJob.Kind.TRANSFER)


# Score import -------------------------------------------------------------------------------------

def _score_kinds():
    return list(SCORE_KINDS.items())


class ScoreUploadForm(RosterUploadForm):
    file = forms.FileField(
        label=_("Score file"),
        help_text=_("A grade export (cijferlijst) or standardised test results (Cito / LVS) as .csv "
                    "or .xlsx, with the column names in the first row and one score per row."),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    kind = forms.ChoiceField(label=_("Kind of file"), required=False, widget=forms.RadioSelect,
                             choices=[("", _("recognise it from the columns"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices += _score_kinds()

    def clean_file(self):
        return _size_problem(self.cleaned_data["file"], ImportJob.Kind.SCORES)


class ScoreMappingForm(forms.Form):
    """The mapping step: which of the file's columns holds which field (one select per field)."""

    kind = forms.ChoiceField(label=_("Kind of file"), widget=forms.RadioSelect)
    save = forms.BooleanField(
        label=_("Save this mapping for my school"), required=False,
        help_text=_("The next file with these column names is then mapped by itself."),
    )

    def __init__(self, *args, headers, kind, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["kind"].choices = _score_kinds()
        self.fields["kind"].initial = kind
        choices = [("", _("— not in the file —"))] + [
            (str(index), header or _("column %(number)s") % {"number": index + 1})
            for index, header in enumerate(headers)
        ]
        self.columns = SCORE_COLUMNS[kind]
        for column in self.columns:
            self.fields[f"column_{column.field}"] = forms.ChoiceField(
                label=capfirst(column.label), choices=choices, required=False,
                initial="" if columns.get(column.field) is None else str(columns[column.field]),
                help_text=_("Required.") if column.required else "",
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    @property
    def kind_changed(self):
        return self.is_bound and self.data.get("kind") != self.kind

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == self.kind:
            for column in self.columns:
                if column.required and not cleaned.get(f"column_{column.field}"):
                    self.add_error(f"column_{column.field}", _("Choose the column that holds this."))
        return cleaned

    def chosen_columns(self):
        """{field: column index} for the columns chosen; None when the kind was changed."""
        if self.cleaned_data["kind"] != self.kind:
            return None
        return {column.field: int(self.cleaned_data[f"column_{column.field}"])
                for column in self.columns if self.cleaned_data.get(f"column_{column.field}")}
