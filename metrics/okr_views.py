"""OKR pages: create and edit objectives and key results (managers for their teams,
authors and admins for all). Plain forms, no script."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from org.models import Persona, Team
from org.permissions import persona_required

from . import okrs, selectors
from .exceptions import MetricsError
from .forms import KeyResultForm, ObjectiveForm
from .models import KeyResult, Objective

EDITORS = (Persona.MANAGER, Persona.AUTHOR, Persona.ADMIN)


def _scopes(user: Any) -> list[tuple[str, str]]:
    from pathways.progress.selectors import cohorts_visible_to

    cohorts = [
        (f"cohort:{pk}", f"Cohort: {name}")
        for pk, name in cohorts_visible_to(user).order_by("-start_date").values_list("pk", "name")
    ]
    return selectors.scopes_for_user(user=user) + cohorts


@persona_required(*EDITORS)
def objective_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    objective = get_object_or_404(Objective, pk=pk) if pk else None
    if objective is not None and not okrs.may_edit(request.user, objective):
        raise PermissionDenied
    if objective is None and not okrs.may_create(request.user):
        raise PermissionDenied
    teams = okrs.teams_for(request.user)
    initial = {}
    if objective is not None:
        initial = {
            "title": objective.title,
            "description": objective.description,
            "team": str(objective.team_id or ""),
            "starts_on": objective.starts_on,
            "deadline": objective.deadline,
            "owner": objective.owner,
        }
    form = ObjectiveForm(
        request.POST or None,
        initial=initial,
        teams=teams,
        org_wide=selectors.may_see_everything(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        team_pk = data.pop("team")
        team = Team.objects.filter(pk=team_pk).first() if team_pk else None
        try:
            saved = okrs.objective_save(user=request.user, objective=objective, team=team, **data)
        except MetricsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Objective “{saved.title}” saved.")
            return redirect(f"{_okrs_url()}#objective-{saved.pk}")
    return render(
        request, "metrics/okr_objective_form.html", {"form": form, "objective": objective}
    )


@persona_required(*EDITORS)
def key_result_edit(request: HttpRequest, objective_pk: int, pk: int | None = None) -> HttpResponse:
    objective = get_object_or_404(Objective, pk=objective_pk)
    if not okrs.may_edit(request.user, objective):
        raise PermissionDenied
    key_result = get_object_or_404(KeyResult, pk=pk, objective=objective) if pk else None
    initial: dict[str, Any] = {}
    if key_result is not None:
        initial = {
            name: getattr(key_result, name)
            for name in (
                "description",
                "kpi_key",
                "statistic",
                "scope",
                "baseline_value",
                "target_value",
                "window_days",
                "current_value",
            )
        }
    elif objective.team is not None:
        initial = {"scope": f"team:{objective.team.slug}"}
    form = KeyResultForm(request.POST or None, initial=initial, scopes=_scopes(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            okrs.key_result_save(
                user=request.user, objective=objective, key_result=key_result, **form.cleaned_data
            )
        except MetricsError as error:
            form.add_error(None, str(error))
        except PermissionDenied as error:
            form.add_error("scope", str(error) or "You may not track this scope.")
        else:
            messages.success(request, "Key result saved.")
            return redirect(f"{_okrs_url()}#objective-{objective.pk}")
    return render(
        request,
        "metrics/okr_key_result_form.html",
        {"form": form, "objective": objective, "key_result": key_result},
    )


def _okrs_url() -> str:
    from django.urls import reverse

    return reverse("metrics:okrs")
