from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a roster of 2,000 students is well under 1 MB


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
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB; is this the roster?"))
        return upload
