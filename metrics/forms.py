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
