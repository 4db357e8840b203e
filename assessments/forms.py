"""HTML forms. They parse and validate input; the services do the writing."""

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, QueryDict

from config import text_limits
from pathways.models import Capstone, Lab, Module, Pathway, Skill

from .exceptions import AssessmentError
from .models import Assessment, Question, QuestionBank
from .selectors import ItemView


def answers_from_post(items: list[ItemView], data: QueryDict) -> dict[int, Any]:
    """Answers in the shape the scorers take, from the fields of the attempt form.

    Checked questions (instant feedback) are locked and their inputs disabled, so they
    are left out rather than read as blank.
    """
    answers: dict[int, Any] = {}
    for item in items:
        if item.checked:
            continue
        answer = answer_from_post(item, data)
        if answer is not _ABSENT:
            answers[item.question.pk] = answer
    return answers


_ABSENT = object()


def answer_from_post(item: ItemView, data: QueryDict) -> Any:
    name = f"q-{item.question.pk}"
    qtype = item.qtype
    if qtype == "multiple":
        if f"{name}-present" not in data:
            return _ABSENT
        return data.getlist(name)
    if qtype == "ordering":
        keys = [f"{name}-{cid}" for cid, _ in item.choices]
        if not any(k in data for k in keys):
            return _ABSENT
        positions = {cid: data.get(f"{name}-{cid}", "") for cid, _ in item.choices}
        if not any(positions.values()):
            return None
        index = {cid: i for i, (cid, _) in enumerate(item.choices)}

        def rank(cid: str) -> tuple[int, int]:
            value = positions[cid]
            return (int(value) if value.isdigit() else 10_000, index[cid])

        return sorted(positions, key=rank)
    if qtype == "matching":
        keys = [f"{name}-{pid}" for pid, _ in item.prompts]
        if not any(k in data for k in keys):
            return _ABSENT
        chosen = {pid: data.get(f"{name}-{pid}", "") for pid, _ in item.prompts}
        return {k: v for k, v in chosen.items() if v} or None
    if name not in data:
        return _ABSENT
    value = data.get(name, "")
    if qtype == "true_false":
        return {"true": True, "false": False}.get(value)
    return value or None


class QuestionBankForm(forms.ModelForm):
    class Meta:
        model = QuestionBank
        fields = ["name", "slug", "description"]
        help_texts = {"slug": "Lower-case letters, digits and hyphens; used in links."}


class GiftQuestionForm(forms.Form):
    gift = forms.CharField(
        label="Question in GIFT",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "mono"}),
        help_text="One question. See the GIFT help below for every question type.",
    )


class GiftImportForm(forms.Form):
    file = forms.FileField(label="GIFT file (.gift or .txt)", required=False)
    text = forms.CharField(
        label="…or paste GIFT text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "mono"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > 2_000_000:
                raise forms.ValidationError("The file is larger than 2 MB.")
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not UTF-8 text.") from exc
        if not (data.get("text") or "").strip():
            raise forms.ValidationError("Choose a file or paste GIFT text.")
        return data


class AssessmentForm(forms.ModelForm):
    time_limit_minutes = forms.IntegerField(
        min_value=1, required=False, help_text="Blank: no limit. Enforced on the server."
    )
    rubric_json = forms.CharField(
        label="Rubric (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"}),
        help_text='Rubric reviews: [{"criterion": …, "levels": [{"label": …, "points": …}]}]. '
        "Blank with a capstone: the capstone's rubric.",
    )
    question_list = forms.ModelMultipleChoiceField(
        label="Questions",
        queryset=Question.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="In the order listed here; tick shuffling to vary it per attempt.",
    )

    class Meta:
        model = Assessment
        fields = [
            "title",
            "slug",
            "kind",
            "description",
            "module",
            "pathway",
            "lab",
            "capstone",
            "check_phase",
            "post_opens",
            "post_min_days",
            "pass_mark",
            "attempts_allowed",
            "shuffle_questions",
            "shuffle_choices",
            "feedback_timing",
            "answers_timing",
            "reviewers_required",
            "artifact_points",
            "skills",
            "is_published",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question_list"].queryset = Question.objects.select_related("bank").order_by(
            "bank__name", "category", "pk"
        )
        self.fields["question_list"].label_from_instance = lambda q: (
            f"{q.bank.name} · {q.get_qtype_display()} · {q}"
        )
        self.fields["module"].queryset = Module.objects.select_related("pathway").order_by(
            "pathway__title", "pathway__version", "week_start", "order", "pk"
        )
        self.fields["module"].label_from_instance = lambda m: f"{m.pathway} · {m.title}"
        self.fields["pathway"].queryset = Pathway.objects.all()
        self.fields["lab"].queryset = Lab.objects.select_related("module__pathway").order_by(
            "module__pathway__title", "module__pathway__version", "module__order", "order", "pk"
        )
        self.fields["lab"].label_from_instance = lambda lab: f"{lab.module.pathway} · {lab.title}"
        self.fields["capstone"].queryset = Capstone.objects.all()
        self.fields["skills"].queryset = Skill.objects.all()
        self.fields["skills"].required = False
        self.fields["post_min_days"].required = False
        if self.instance.pk:
            self.fields["time_limit_minutes"].initial = (
                self.instance.time_limit_seconds // 60 if self.instance.time_limit_seconds else None
            )
            self.fields["rubric_json"].initial = (
                json.dumps(self.instance.rubric, indent=2) if self.instance.rubric else ""
            )
            self.fields["question_list"].initial = [
                item.question_id for item in self.instance.items.all()
            ]

    def clean_post_min_days(self) -> int:
        return self.cleaned_data.get("post_min_days") or 0

    def clean_rubric_json(self) -> list:
        raw = self.cleaned_data.get("rubric_json") or ""
        if not raw.strip():
            return []
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: line {exc.lineno}: {exc.msg}") from exc
        if not isinstance(value, list):
            raise forms.ValidationError("The rubric is a list of criteria.")
        return value

    def service_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "skills"}
        minutes = self.cleaned_data.get("time_limit_minutes")
        data["time_limit_seconds"] = minutes * 60 if minutes else None
        data["rubric"] = self.cleaned_data.get("rubric_json") or []
        return data

    def question_ids(self) -> list[int]:
        chosen = {q.pk for q in self.cleaned_data.get("question_list") or []}
        keep = [qid for qid in (self.initial.get("question_list") or []) if qid in chosen]
        return keep + sorted(chosen - set(keep))


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the learner (markdown)",
        required=False,
        max_length=text_limits.COMMENT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, criteria: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for index, criterion in enumerate(criteria):
            self.fields[f"criterion_{index}"] = forms.TypedChoiceField(
                label=criterion.criterion,
                help_text=criterion.description,
                choices=[
                    (i, f"{label} ({points:g} point{'' if points == 1 else 's'})")
                    for i, label, points in criterion.levels
                ],
                coerce=int,
                widget=forms.RadioSelect,
            )

    def levels(self) -> list[int]:
        return [self.cleaned_data[f"criterion_{i}"] for i in range(len(self.criteria))]

    def criterion_fields(self) -> list:
        return [self[f"criterion_{i}"] for i in range(len(self.criteria))]

    def submit(self, request: HttpRequest, save: Callable[..., object]) -> bool:
        """On a valid POST, `save(levels=…, comment=…)` the review: True once saved (with
        a message saying so); a refusal is shown as a message and the form stays."""
        if request.method != "POST" or not self.is_valid():
            return False
        try:
            save(levels=self.levels(), comment=self.cleaned_data["comment"])
        except AssessmentError as exc:
            messages.error(request, str(exc))
            return False
        messages.success(request, "Review saved.")
        return True


class SubmissionForm(forms.Form):
    submission_text = forms.CharField(
        label="Your submission (markdown)",
        required=False,
        max_length=text_limits.MARKDOWN,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    submission_url = forms.URLField(
        label="Link to your work (optional)", required=False, assume_scheme="https"
    )


class ArtifactForm(forms.Form):
    artifact = forms.FileField(label="Artifact (YAML or JSON)", required=False)

    def clean_artifact(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data.get("artifact")
        if upload is None:
            return None
        if upload.size > 200_000:
            raise forms.ValidationError("The file is larger than 200 kB.")
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not UTF-8 text.") from exc


class LabArtifactForm(forms.Form):
    """A lab's artifact from the lab page: an uploaded file or pasted text."""

    artifact = forms.FileField(label="Upload the file (YAML or JSON)", required=False)
    artifact_text = forms.CharField(
        label="Or paste it here",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        max_length=200_000,
        strip=False,
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        upload = data.get("artifact")
        if upload is not None:
            if upload.size > 200_000:
                raise forms.ValidationError("The file is larger than 200 kB.")
            try:
                data["artifact_pair"] = (upload.name, upload.read().decode("utf-8-sig"))
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not UTF-8 text.") from exc
        elif (data.get("artifact_text") or "").strip():
            data["artifact_pair"] = ("pasted", data["artifact_text"])
        else:
            raise forms.ValidationError("Choose a file or paste its text first.")
        return data

    def artifact_pair(self) -> tuple[str, str]:
        """(filename, text) of the upload, else of the pasted text ("pasted")."""
        return self.cleaned_data["artifact_pair"]
