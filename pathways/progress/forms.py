from django import forms
from django.db.models import Q

from org.models import Persona, Team, User
from pathways.models import Pathway, RoleSkill, Skill, SkillRating

from .rules import LEVEL_LABELS

LEVEL_CHOICES = [(n, f"{n} · {LEVEL_LABELS[n]}") for n in range(1, 6)]
SCALE = [(n, str(n)) for n in range(1, 6)]


class LevelField(forms.TypedChoiceField):
    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("choices", LEVEL_CHOICES)
        super().__init__(coerce=int, **kwargs)


class SelfAssessmentForm(forms.Form):
    skill = forms.ModelChoiceField(queryset=Skill.objects.order_by("name"))
    level = LevelField(label="My level")
    note = forms.CharField(
        label="What makes you say so? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, skills=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if skills is not None:
            self.fields["skill"].queryset = skills


class RatingForm(forms.Form):
    skill = forms.ModelChoiceField(queryset=Skill.objects.order_by("name"))
    level = LevelField()
    source = forms.ChoiceField(label="Evidence source")
    note = forms.CharField(
        label="Evidence: what did you see?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_url = forms.URLField(
        label="Link to the evidence (optional)", required=False, assume_scheme="https"
    )

    def __init__(self, *args, sources: list[str], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s, SkillRating.Source(s).label) for s in sources]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if not (data.get("note", "").strip() or data.get("evidence_url", "").strip()):
            raise forms.ValidationError("Add an evidence note or a link: what did you see?")
        return data


class RoleWeightsForm(forms.Form):
    exposure = forms.TypedChoiceField(choices=SCALE, coerce=int)
    influence = forms.TypedChoiceField(choices=SCALE, coerce=int)


class RoleSkillForm(forms.ModelForm):
    """One row of a role's matrix. Existing rows keep their skill."""

    class Meta:
        model = RoleSkill
        fields = [
            "skill",
            "criticality",
            "level_junior",
            "level_mid",
            "level_senior",
            "level_principal",
            "min_day30",
            "min_day60",
            "min_day90",
        ]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields[1:]:
            self.fields[name] = forms.TypedChoiceField(
                choices=SCALE, coerce=int, initial=self.fields[name].initial
            )
        self.fields["skill"].queryset = Skill.objects.order_by("name")
        if self.instance.pk:
            self.fields["skill"].disabled = True

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        mins = [data.get(f"min_day{d}") for d in (30, 60, 90)]
        if None not in mins and not (mins[0] <= mins[1] <= mins[2]):
            raise forms.ValidationError("Minimums must not fall: day 30 ≤ day 60 ≤ day 90.")
        return data


RoleSkillFormSet = forms.modelformset_factory(
    RoleSkill, form=RoleSkillForm, extra=1, can_delete=True
)


def published_pathways():  # type: ignore[no-untyped-def]
    return Pathway.objects.filter(status=Pathway.Status.PUBLISHED).order_by("title", "-version")


def sponsors():  # type: ignore[no-untyped-def]
    return (
        User.objects.filter(Q(groups__name=Persona.MANAGER) | Q(is_superuser=True))
        .distinct()
        .order_by("full_name", "email")
    )


class CohortForm(forms.Form):
    name = forms.CharField(max_length=200)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    pathways = forms.ModelMultipleChoiceField(
        queryset=Pathway.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Members follow the pathway of their role, else the first one ticked.",
    )
    sponsor = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["pathways"].queryset = published_pathways()
        self.fields["sponsor"].queryset = sponsors()


class ProposalForm(CohortForm):
    members = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple)
    champions = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidate_ids: list[int], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        choices = [(pk, str(pk)) for pk in candidate_ids]
        self.fields["members"].choices = choices
        self.fields["champions"].choices = choices

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if set(data.get("champions") or []) - set(data.get("members") or []):
            raise forms.ValidationError("Change champions must be members of the cohort.")
        return data


class AddTeamsForm(forms.Form):
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teams, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams


class TeamEnrolForm(forms.Form):
    pathway = forms.ModelChoiceField(queryset=Pathway.objects.none())
    started_on = forms.DateField(
        label="Start date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["pathway"].queryset = published_pathways()


class ProgressMarkForm(forms.Form):
    kind = forms.ChoiceField(choices=[("module", "module"), ("lab", "lab")])
    item = forms.IntegerField(min_value=1)
    status = forms.ChoiceField(choices=[("in_progress", "Started"), ("done", "Done")])
