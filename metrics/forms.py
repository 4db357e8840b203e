from django import forms

from incidents.models import FailureMode, Severity

from .compute import PERIODS


class IncidentFilterForm(forms.Form):
    """The filters of the incident dashboards (GET); cleaned by `selectors`."""

    period = forms.ChoiceField(choices=[(p, p.title()) for p in PERIODS], initial="week")
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    severity = forms.MultipleChoiceField(
        choices=Severity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    ai_related = forms.ChoiceField(
        label="AI-related",
        choices=[("", "Any"), ("true", "AI-related only"), ("false", "Not AI-related")],
        required=False,
    )
    failure_mode = forms.MultipleChoiceField(
        label="Failure mode",
        choices=FailureMode.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )


# The API's names (`from`, `to`: Python keywords, so renamed after the class is built).
IncidentFilterForm.base_fields = {
    {"date_from": "from", "date_to": "to"}.get(name, name): field
    for name, field in IncidentFilterForm.base_fields.items()
}


class ImpactForm(forms.Form):
    teams = forms.MultipleChoiceField(
        choices=[], widget=forms.CheckboxSelectMultiple, help_text="The trained teams."
    )
    start = forms.DateField(
        label="Training started", widget=forms.DateInput(attrs={"type": "date"})
    )
    window_days = forms.IntegerField(label="Window (days)", min_value=7, max_value=364, initial=90)

    def __init__(self, *args, team_choices, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = team_choices


class ObjectiveForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    team = forms.ChoiceField(label="Team", required=False)
    starts_on = forms.DateField(label="Starts", widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    owner = forms.CharField(max_length=120, required=False)

    def __init__(self, *args, teams, org_wide: bool, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        choices = [(str(t.pk), t.name) for t in teams]
        if org_wide:
            choices.insert(0, ("", "Whole organisation"))
        self.fields["team"].choices = choices
        self.fields["team"].required = not org_wide

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("starts_on") and data.get("deadline") and data["deadline"] <= data["starts_on"]:
            self.add_error("deadline", "The deadline comes after the start.")
        return data


class KeyResultForm(forms.Form):
    description = forms.CharField(max_length=300)
    kpi_key = forms.ChoiceField(label="KPI", required=False)
    statistic = forms.ChoiceField(
        choices=[(s, s) for s in ("value", "median", "p90", "mean", "count", "per_incident")],
        initial="value",
        help_text="Durations: median, p90 or mean. Rollbacks: value (share) or count. "
        "Cleanup: value (total) or per_incident. Other KPIs: value.",
    )
    scope = forms.ChoiceField(label="Measured for")
    baseline_value = forms.DecimalField(label="Baseline", max_digits=18, decimal_places=6)
    target_value = forms.DecimalField(label="Target", max_digits=18, decimal_places=6)
    window_days = forms.IntegerField(label="Window (days)", min_value=1, max_value=366, initial=90)
    current_value = forms.DecimalField(
        label="Current value (reported by hand)",
        max_digits=18,
        decimal_places=6,
        required=False,
        help_text="Only for a key result not bound to a KPI.",
    )

    def __init__(self, *args, scopes, **kwargs):  # type: ignore[no-untyped-def]
        from .registry import KPIS

        super().__init__(*args, **kwargs)
        families = {"incident": "Incident", "training": "Training", "external": "External"}
        self.fields["kpi_key"].choices = [("", "None: reported by hand")] + [
            (label, [(k.key, k.name) for k in KPIS if k.family == family])
            for family, label in families.items()
        ]
        self.fields["scope"].choices = scopes
