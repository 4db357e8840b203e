"""Writing OKRs: who may create and edit objectives and key results, and the checks.

- Authors and admins create and edit every objective (organisation-wide or a team's).
- Managers create objectives for the teams they manage and edit those; the key results
  of such an objective are measured over scopes the manager may see (their teams, or a
  cohort with members in them).
- A key result is bound to any registry KPI — incident KPIs measured from rollups over
  an org, team or service scope, external KPIs from their observations, training KPIs
  from a cohort's snapshot (scope `cohort:<id>`) — or reported by hand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from org import access
from org.models import Team

from . import selectors, services
from .exceptions import MetricsError
from .models import KeyResult, Objective
from .registry import REGISTRY


def may_create(user: Any) -> bool:
    return selectors.may_see_everything(user) or access.is_manager(user)


def may_edit(user: Any, objective: Objective) -> bool:
    if selectors.may_see_everything(user):
        return True
    if not access.is_manager(user) or objective.team_id is None:
        return False
    return access.teams_managed_by(user).filter(pk=objective.team_id).exists()


def teams_for(user: Any) -> list[Team]:
    """The teams an objective of this user may belong to."""
    if selectors.may_see_everything(user):
        return list(Team.objects.order_by("name"))
    return list(access.teams_managed_by(user).order_by("name"))


def _check_scope_access(user: Any, scope: str) -> None:
    if selectors.may_see_everything(user):
        return
    try:
        selectors.scope_for_user(user=user, text=scope)
    except (PermissionDenied, Http404):
        raise PermissionDenied(f"You may not track {scope}.") from None


def objective_save(
    *, user: Any, objective: Objective | None = None, team: Team | None, **fields: Any
) -> Objective:
    """Create (objective None) or update an objective the user may write."""
    if objective is not None and not may_edit(user, objective):
        raise PermissionDenied("You may not edit this objective.")
    if not may_create(user):
        raise PermissionDenied
    if not selectors.may_see_everything(user) and (
        team is None or team.pk not in {t.pk for t in teams_for(user)}
    ):
        raise PermissionDenied("Managers write objectives for the teams they manage.")
    objective = objective or Objective(created_by=user)
    for name, value in fields.items():
        setattr(objective, name, value)
    objective.team = team
    try:
        objective.full_clean()
    except ValidationError as error:
        raise MetricsError(" ".join(error.messages)) from None
    with transaction.atomic():
        if objective.pk is not None:
            _hold(Objective.objects.filter(pk=objective.pk), "This objective has been deleted.")
        objective.save()
    return objective


def _hold(rows: Any, gone: str) -> None:
    """Lock the row being written until the transaction ends; Http404 once it is deleted.

    An edit that waited for a delete would otherwise save the row it read again (a save
    that updates nothing inserts), bringing it back.
    """
    if not rows.select_for_update().exists():
        raise Http404(gone)


def key_result_save(
    *,
    user: Any,
    objective: Objective,
    key_result: KeyResult | None = None,
    description: str,
    baseline_value: Decimal,
    target_value: Decimal,
    kpi_key: str = "",
    statistic: str = "value",
    scope: str = "org",
    window_days: int = 90,
    current_value: Decimal | None = None,
    unit: str = "",
) -> KeyResult:
    """Create or update a key result of an objective the user may edit; a KPI-bound one
    is measured at once (and after every rollup run)."""
    if not may_edit(user, objective):
        raise PermissionDenied("You may not edit this objective.")
    if key_result is not None and key_result.objective_id != objective.pk:
        raise Http404
    services.key_result_check(
        kpi_key=kpi_key,
        statistic=statistic,
        scope=scope,
        baseline_value=baseline_value,
        target_value=target_value,
    )
    if kpi_key:
        _check_scope_access(user, scope)
        current_value = None
    result = key_result or KeyResult(objective=objective)
    result.description = description
    result.kpi_key = kpi_key
    result.statistic = statistic if kpi_key else "value"
    result.scope = scope if kpi_key else "org"
    result.unit = unit or (REGISTRY[kpi_key].unit if kpi_key else "")
    result.baseline_value = baseline_value
    result.target_value = target_value
    result.window_days = window_days
    if not kpi_key:
        changed = key_result is None or key_result.current_value != current_value
        result.current_value = current_value
        if changed:
            from django.utils import timezone

            result.measured_at = timezone.now() if current_value is not None else None
    try:
        result.full_clean()
    except ValidationError as error:
        raise MetricsError(" ".join(error.messages)) from None
    with transaction.atomic():
        if key_result is not None:
            _hold(
                KeyResult.objects.filter(pk=key_result.pk, objective=objective),
                "This key result has been deleted.",
            )
        else:
            _hold(Objective.objects.filter(pk=objective.pk), "This objective has been deleted.")
        result.save()
    if kpi_key:
        services.key_results_refresh(ids=[result.pk])
        result.refresh_from_db()
    return result
