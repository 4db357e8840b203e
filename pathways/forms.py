"""HTML forms for the author pages. They parse input; the services decide what is allowed."""

from decimal import Decimal
from typing import Any

import yaml
from django import forms
from django.core.validators import RegexValidator
from django.urls import reverse_lazy

from config import safe_yaml, text_limits

from .catalogue.schema import SLUG_PATTERN
from .models import Pathway, Pillar, Role, Skill

slug_validator = RegexValidator(
    SLUG_PATTERN, "Use lowercase letters, digits, hyphens and underscores only."
)
KPI_KEYS = ["incident_count", "mttd", "mtta", "mttm", "mttr", "rollback_rate", "cleanup_hours"]
ARTIFACT_SCHEMAS = ["drift-alert-runbook", "prompt-test-suite"]
LEVEL_CHOICES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]


class LinesField(forms.CharField):
    """A textarea holding one item per line; cleans to a list of non-empty lines."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class YamlListField(forms.CharField):
    """A textarea holding a YAML list (rubric, career ladder); the service validates its shape."""

    widget = forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "code"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return yaml.safe_dump(value, sort_keys=False, allow_unicode=True) if value else ""
        return value

    def to_python(self, value: Any) -> list:  # type: ignore[override]
        text = super().to_python(value) or ""
        if not text.strip():
            return []
        try:
            data = safe_yaml.load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            raise forms.ValidationError(f"This is not valid YAML{where}.") from exc
        if not isinstance(data, list):
            raise forms.ValidationError("Write a YAML list: one “- ” item per entry.")
        return data


class MarkdownField(forms.CharField):
    """Markdown text; the template adds a live preview for these."""

    widget = forms.Textarea(attrs={"rows": 10})
    markdown = True

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", "Markdown. The preview below shows how learners will see it."
        )
        super().__init__(**kwargs)


class AuthorForm(forms.Form):
    """Markdown fields get a live preview: htmx posts their text to the preview endpoint."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, MarkdownField):
                field.widget.attrs.update(
                    {
                        "hx-post": str(reverse_lazy("pathways:author_preview")),
                        "hx-trigger": "input changed delay:400ms, load",
                        "hx-target": f"#preview-{name}",
                        "hx-vals": f'{{"field": "{name}"}}',
                        "hx-sync": "this:replace",
                    }
                )

    def main_fields(self) -> list:
        return list(self)

    def markdown_fields(self) -> set[str]:
        return {name for name, f in self.fields.items() if isinstance(f, MarkdownField)}


def _slug_field(required: bool = False) -> forms.CharField:
    return forms.CharField(
        max_length=80,
        required=required,
        validators=[slug_validator],
        help_text="Used in addresses and files. Leave empty to derive it from the title.",
    )


class PathwayForm(AuthorForm):
    title = forms.CharField(max_length=200)
    slug = _slug_field()
    kind = forms.ChoiceField(choices=Pathway.Kind.choices, initial=Pathway.Kind.TRACK)
    role = forms.ModelChoiceField(
        queryset=Role.objects.order_by("name"), required=False, to_field_name="slug"
    )
    duration_weeks = forms.IntegerField(
        min_value=1, max_value=52, initial=12, help_text="Role tracks last 10 to 12 weeks."
    )
    primary_goal = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=text_limits.SUMMARY
    )
    summary = MarkdownField(max_length=text_limits.SUMMARY)
    change_note = forms.CharField(
        max_length=300, required=False, help_text="What this version changes (shown in history)."
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]


class ModuleForm(AuthorForm):
    title = forms.CharField(max_length=200)
    slug = _slug_field()
    week_start = forms.IntegerField(min_value=1, max_value=52, initial=1)
    week_end = forms.IntegerField(min_value=1, max_value=52, initial=1)
    pillar = forms.ChoiceField(choices=[("", "—"), *Pillar.choices], required=False)
    objectives = LinesField(help_text="At least two learning objectives, one per line.")
    content = MarkdownField(max_length=text_limits.MARKDOWN)

    def __init__(self, *args: Any, skills: list[Skill], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skill_rows = []
        chosen = {key.removeprefix("skill_") for key, value in self.initial.items() if value}
        # Skills the module already teaches come first; the rest follow by pillar.
        for skill in sorted(skills, key=lambda s: s.slug not in chosen):
            name = f"skill_{skill.slug}"
            self.fields[name] = forms.TypedChoiceField(
                label=skill.name,
                choices=LEVEL_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.skill_rows.append((skill, name))

    def skill_levels(self) -> dict[Skill, int]:
        return {
            skill: self.cleaned_data[name]
            for skill, name in self.skill_rows
            if self.cleaned_data.get(name)
        }

    def skill_fields(self) -> list:
        return [self[name] for _, name in self.skill_rows]

    def skills_open(self) -> bool:
        return self.is_bound or any(key.startswith("skill_") for key in self.initial)

    def main_fields(self) -> list:
        skill_names = {name for _, name in self.skill_rows}
        return [bound for bound in self if bound.name not in skill_names]


def skill_choices() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Skill.objects.order_by("pillar", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
    )


class LabForm(AuthorForm):
    title = forms.CharField(max_length=200)
    slug = _slug_field()
    instructions = MarkdownField(max_length=text_limits.MARKDOWN)
    deliverables = LinesField(required=False, help_text="One deliverable per line.")
    checklist = LinesField(required=False, help_text="One checklist item per line.")
    artifact_schema = forms.CharField(
        max_length=64,
        required=False,
        validators=[slug_validator],
        help_text=f"Optional: the schema an uploaded artifact must satisfy "
        f"({', '.join(ARTIFACT_SCHEMAS)}).",
        widget=forms.TextInput(attrs={"list": "artifact-schemas"}),
    )
    skills = skill_choices()


class OutcomeForm(AuthorForm):
    kpi_key = forms.CharField(
        max_length=64,
        validators=[slug_validator],
        label="KPI",
        help_text=f"A KPI key: {', '.join(KPI_KEYS)}.",
        widget=forms.TextInput(attrs={"list": "kpi-keys"}),
    )
    description = forms.CharField(max_length=300)
    target_change_pct = forms.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        label="Target change (%)",
        help_text="Negative to reduce, e.g. -40. Leave empty to set it locally.",
    )
    target_value = forms.DecimalField(
        max_digits=14,
        decimal_places=4,
        required=False,
        help_text="Optional absolute target; durations in seconds.",
    )
    window_days = forms.IntegerField(min_value=1, max_value=3650, initial=90)
    filters = LinesField(
        required=False,
        help_text="Optional KPI filters, one key=value per line, e.g. failure_mode=hallucination.",
    )

    def clean_filters(self) -> dict[str, str]:
        result = {}
        for line in self.cleaned_data["filters"]:
            key, sep, value = line.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise forms.ValidationError(f"“{line}” is not key=value.")
            result[key.strip()] = value.strip()
        return result

    @staticmethod
    def initial_for(outcome: Any) -> dict[str, Any]:
        return {
            "kpi_key": outcome.kpi_key,
            "description": outcome.description,
            "target_change_pct": _plain(outcome.target_change_pct),
            "target_value": _plain(outcome.target_value),
            "window_days": outcome.window_days,
            "filters": [f"{k}={v}" for k, v in outcome.filters.items()],
        }


def _plain(value: Decimal | None) -> Decimal | None:
    return value.normalize() if value is not None else None


class CapstoneForm(AuthorForm):
    title = forms.CharField(max_length=200)
    slug = _slug_field()
    brief = MarkdownField(max_length=text_limits.MARKDOWN)
    deliverables = LinesField(required=False, help_text="One deliverable per line.")
    rubric = YamlListField(
        required=False,
        help_text="YAML: a list of criteria, each with criterion, description and levels "
        "(label and points).",
    )
    skills = skill_choices()


class RoleForm(AuthorForm):
    name = forms.CharField(max_length=120)
    slug = _slug_field()
    cluster = forms.CharField(max_length=80, required=False)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=text_limits.DESCRIPTION
    )
    exposure = forms.IntegerField(
        min_value=1, max_value=5, initial=3, help_text="How often the role meets AI output (1–5)."
    )
    influence = forms.IntegerField(
        min_value=1, max_value=5, initial=3, help_text="How much the role shapes others (1–5)."
    )
    career_ladder = YamlListField(
        required=False,
        help_text="YAML: a list of steps with career_level (junior, mid, senior, principal), "
        "title, summary and expectations.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]


class SkillForm(AuthorForm):
    name = forms.CharField(max_length=160)
    slug = _slug_field()
    pillar = forms.ChoiceField(choices=Pillar.choices)
    kind = forms.ChoiceField(choices=Skill.Kind.choices, initial=Skill.Kind.SKILL)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=text_limits.DESCRIPTION
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]


class CatalogueUploadForm(AuthorForm):
    file = forms.FileField(
        label="Catalogue file",
        help_text="A YAML file with one or more documents (pathway, skills, roles, "
        "certifications). Nothing is saved unless every document is valid.",
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml"}),
    )

    def clean_file(self) -> tuple[str, str]:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 2**20:
            raise forms.ValidationError("Catalogue files are limited to 2 MB.")
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not UTF-8 text.") from exc


class DiffForm(forms.Form):
    old = forms.TypedChoiceField(coerce=int, label="From version")
    new = forms.TypedChoiceField(coerce=int, label="To version")

    def __init__(self, *args: Any, versions: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v, f"v{v}") for v in versions]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices
