from django import forms

from pathways.models import Module, Skill

from .encoding import decode_input
from .importers import IMPORTERS
from .models import FailureMode, ImportBatch

# As much as one batch may hold (services.MAX_DOCUMENT_BYTES); uploads are spooled to disk
# by Django and stored in parts as read, so the web process never holds a file whole.
MAX_UPLOAD_BYTES = 200 * 2**20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(f, initial) for f in files if f] or single(None, initial)


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="File(s)",
        help_text="One export, or several Markdown postmortems.",
    )
    format = forms.ChoiceField(
        choices=[(f, label) for f, label in ImportBatch.Format.choices if f in IMPORTERS]
    )
    source = forms.CharField(
        required=False,
        max_length=64,
        help_text="Where the records come from (e.g. pagerduty). Leave empty for the "
        "format's default. Records are matched by source and id.",
    )
    timezone = forms.CharField(
        initial="UTC", max_length=64, help_text="For timestamps written without an offset."
    )
    mapping = forms.FileField(
        required=False, label="Mapping file (YAML)", help_text="Needed for the mapped format."
    )

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        # The mapping file counts too: the limit is on everything one upload carries.
        uploads = [*(cleaned.get("files") or []), cleaned.get("mapping")]
        if sum(f.size for f in uploads if f) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "Upload at most 200 MB at once (files and mapping together); split larger exports."
            )
        return cleaned


def read_upload(upload) -> str:  # type: ignore[no-untyped-def]
    # Invalid UTF-8 is kept (marked) so that exactly the records holding it are rejected.
    return decode_input(b"".join(upload.chunks()))


class TrainingRuleForm(forms.Form):
    failure_mode = forms.ChoiceField(
        required=False, choices=[("", "—"), *list(FailureMode.choices)]
    )
    factor = forms.CharField(required=False, max_length=80, label="or contributing factor (tag)")
    skill = forms.ModelChoiceField(
        required=False, queryset=Skill.objects.order_by("name"), empty_label="—"
    )
    module = forms.ModelChoiceField(
        required=False,
        queryset=Module.objects.select_related("pathway").order_by(
            "pathway__title", "pathway__version", "order"
        ),
        empty_label="—",
    )
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["module"].label_from_instance = lambda m: (
            f"{m.pathway.title} v{m.pathway.version} · {m.title}"
        )


class ExerciseForm(forms.Form):
    title = forms.CharField(max_length=200)
    instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 24}))
