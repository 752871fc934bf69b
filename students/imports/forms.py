from django import forms
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.numbers import number

from ..forms import DateInput
from ..models import ImportJob
from ..subjects.selectors import subjects_in_use
from .leavers import left_on_problem
from .limits import size_problem
from .new_subjects import ADD, SKIP
from .score_columns import SCORE_COLUMNS, SCORE_KINDS


def _size_problem(upload, kind):
    """The importer's own size limit (limits.IMPORT_LIMITS), checked before a job is made."""
    problem = size_problem(upload.size, kind)
    if problem:
        raise forms.ValidationError(problem)
    return upload


def _file_field(label, help_text):
    return forms.FileField(label=label, help_text=help_text,
                           validators=[FileExtensionValidator(["csv", "xlsx"])],
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))


class RosterUploadForm(forms.Form):
    job_kind = ImportJob.Kind.ROSTER  # whose size limit (limits.IMPORT_LIMITS) the file must keep
    school = forms.ModelChoiceField(label=_("School"), queryset=None, empty_label=None,
                                    widget=forms.Select(attrs={"class": "form-select"}))
    file = _file_field(
        _("Roster file"),
        _("The export of your student information system as .csv or .xlsx, with the "
          "column names in the first row."))

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
        return _size_problem(self.cleaned_data["file"], self.job_kind)


class RosterImportForm(RosterUploadForm):
    """The roster's upload: the file, and whether it is the whole school's student list."""

    full = forms.BooleanField(
        label=_("This is the complete student list"), required=False,
        help_text=_("Tick this when the file holds all current students of the school. The preview "
                    "then lists the students who are no longer in it, and confirming marks them as "
                    "left. Without it, students who are not in the file stay as they are."),
    )


class LeaversForm(forms.Form):
    """Confirming a full roster: the leaving date, and the extra yes for more than half."""

    left_on = forms.DateField(label=_("Mark as left on"), widget=DateInput(),
                              help_text=_("The leaving date; the retention period runs from it."))
    many_leavers = forms.BooleanField(label=_("Yes, mark more than half as left"), required=False)

    def __init__(self, *args, count, active, many, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["left_on"].initial = timezone.localdate()
        self.many = many
        if many:
            self.fields["many_leavers"].required = True
            self.fields["many_leavers"].help_text = _(
                "%(count)s of the %(active)s active students are not in this file: more than half. "
                "That is more often a wrong or partial file than real leavers."
            ) % {"count": number(count, 0), "active": number(active, 0)}
        else:
            del self.fields["many_leavers"]

    def clean_left_on(self):
        day = self.cleaned_data["left_on"]
        if problem := left_on_problem(day):
            raise forms.ValidationError(problem)
        return day


class TransferUploadForm(RosterUploadForm):
    job_kind = ImportJob.Kind.TRANSFER
    file = _file_field(
        _("Transfer file"),
        _("The primary schools' transfer data (warme overdracht) as .csv or .xlsx, one row "
          "per student number, with the column names in the first row."))


# Score import -------------------------------------------------------------------------------------

def _score_kinds():
    return list(SCORE_KINDS.items())


class ScoreUploadForm(RosterUploadForm):
    job_kind = ImportJob.Kind.SCORES
    file = _file_field(
        _("Score file"),
        _("A grade export (cijferlijst) or standardised test results (Cito / LVS) as .csv "
          "or .xlsx, with the column names in the first row and one score per row."))
    kind = forms.ChoiceField(label=_("Kind of file"), required=False, widget=forms.RadioSelect,
                             choices=[("", _("recognise it from the columns"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices += _score_kinds()


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


# Staff import ------------------------------------------------------------------------------------

class StaffUploadForm(RosterUploadForm):
    job_kind = ImportJob.Kind.STAFF
    file = _file_field(
        _("Staff file"),
        _("A list of your staff as .csv or .xlsx, with the column names in the first row "
          "and one person per row."))


class NewSubjectsForm(forms.Form):
    """Part of confirming a grade file: per subject the school does not know, add it, file it
    under one of the school's subjects (the text then stays its other name), or leave its rows
    out. A job without new subjects (or not waiting for confirmation) has no fields."""

    ADD_LABELS = {"standard": _("Add the standard subject %(code)s (%(name)s)"),
                  "switch_on": _("Switch %(code)s (%(name)s) on again"),
                  "own": _("Add as a new subject: %(code)s (%(name)s)")}

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        waiting = job.status == ImportJob.Status.PREVIEW and not job.errors
        self.new_subjects = job.summary.get("new_subjects", []) if waiting else []
        if not self.new_subjects:
            return
        mapped = [(str(s.pk), f"{s.code} ({s.name})") for s in subjects_in_use(job.school)]
        for entry in self.new_subjects:
            subject = entry["text"]
            choices = [("", gettext("— choose —")),
                       (ADD, self.ADD_LABELS[entry["add"]["how"]] % entry["add"]),
                       (SKIP, ngettext("Leave its row out", "Leave its %(count)s rows out", entry["rows"])
                        % {"count": entry["rows"]}),
                       (gettext("File under this subject of the school"), mapped)]
            choice = entry.get("choice")
            self.fields[self.field_name(entry)] = forms.ChoiceField(
                label=subject, choices=choices, initial="" if choice is None else str(choice),
                help_text=self._rows(entry),
                error_messages={
                    "required": gettext("Choose what to do with “%(subject)s”.") % {"subject": subject},
                    "invalid_choice": (gettext("“%(subject)s”: choose one of the options in the list.")
                                       % {"subject": subject}).replace("%", "%%"),
                },
                widget=forms.Select(attrs={"class": "form-select"}))

    @staticmethod
    def field_name(entry):
        return f"subject_{entry['key']}"

    @staticmethod
    def _rows(entry):
        rows = ", ".join(str(row) for row in entry["first_rows"])
        if entry["rows"] > len(entry["first_rows"]):
            rows += ", …"
        return ngettext("%(count)s row in the file (row %(rows)s).",
                        "%(count)s rows in the file (rows %(rows)s).", entry["rows"]) % {
            "count": entry["rows"], "rows": rows}

    def refusal(self):
        """The message that names the new subjects still without a (valid) choice."""
        missing = [e["text"] for e in self.new_subjects if self.field_name(e) in self.errors]
        return gettext("Nothing was imported. Choose first what to do with each new subject: "
                       "%(subjects)s.") % {"subjects": ", ".join(missing)}

    def choices(self):
        """{subject key: ADD, SKIP or a subject id (text)} for confirm_score_job."""
        return {e["key"]: self.cleaned_data[self.field_name(e)] for e in self.new_subjects}
