"""Scopes (who a report covers, a cohort's teams), who may see them, and the filters
and dates of a request.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import BooleanField, Max, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from config.bounds import DATE_RANGE_MESSAGE, date_in_range
from incidents.models import FailureMode, Service, Severity
from org import access
from org.models import Membership, Team
from pathways.models import Cohort, CohortMember

from ..compute import PERIODS, period_end, period_start, periods_between
from ..exceptions import MetricsError
from ..models import CohortSnapshot, IncidentRollup

DEFAULT_PERIODS = {"week": 12, "month": 12, "quarter": 4, "year": 5}
MAX_PERIODS = 520
HIGH_RISK_SEVERITIES = (Severity.SEV1, Severity.SEV2)

# --- scopes and access ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """What a report covers: the organisation, teams, or one service."""

    kind: str  # org, team, teams, service
    value: str  # canonical text, e.g. "team:sre"
    label: str
    team_ids: tuple[int, ...] | None = None  # None: every team (org) or not by team
    service_id: int | None = None
    service_team_id: int | None = None

    def filter(self, rows: QuerySet) -> QuerySet:
        if self.kind in ("team", "teams", "cohort"):
            return rows.filter(team_id__in=self.team_ids)
        if self.kind == "service":
            return rows.filter(service_id=self.service_id)
        return rows


def scope_parse(text: str) -> Scope:
    """`org`, `team:<slug>`, `teams:<slug>,<slug>…`, `service:<slug>` or `cohort:<id>`
    (the teams of the cohort's members)."""
    text = (text or "org").strip()
    kind, _, rest = text.partition(":")
    if kind == "org" and not rest:
        return Scope(kind="org", value="org", label="Whole organisation")
    if kind in ("team", "teams") and rest:
        slugs = sorted({s.strip() for s in rest.split(",") if s.strip()})
        if kind == "team" and len(slugs) != 1:
            raise MetricsError("team: takes one team slug; use teams: for several.")
        teams = list(Team.objects.filter(slug__in=slugs).order_by("name").values("id", "name"))
        if len(teams) != len(slugs):
            raise Http404("No such team.")
        return Scope(
            kind=kind,
            value=f"{kind}:{','.join(slugs)}",
            label=", ".join(t["name"] for t in teams),
            team_ids=tuple(sorted(t["id"] for t in teams)),
        )
    if kind == "service" and rest:
        service = Service.objects.filter(slug=rest.strip()).values("id", "name", "team_id").first()
        if service is None:
            raise Http404("No such service.")
        return Scope(
            kind="service",
            value=f"service:{rest.strip()}",
            label=service["name"],
            service_id=service["id"],
            service_team_id=service["team_id"],
        )
    if kind == "cohort" and rest.strip().isdigit():
        from pathways.models import Cohort, CohortMember

        cohort = Cohort.objects.filter(pk=int(rest)).values("pk", "name").first()
        if cohort is None:
            raise Http404("No such cohort.")
        members = CohortMember.objects.filter(cohort_id=cohort["pk"]).values("user_id")
        team_ids = Membership.objects.filter(user_id__in=members).values_list("team_id", flat=True)
        return Scope(
            kind="cohort",
            value=f"cohort:{cohort['pk']}",
            label=f"Teams of {cohort['name']}",
            team_ids=tuple(sorted(set(team_ids))),
        )
    raise MetricsError(
        "scope is one of: org, team:<slug>, teams:<slug>,<slug>…, service:<slug>, cohort:<id>."
    )


def may_see_everything(user: Any) -> bool:
    """Admins and authors (L&D admins running the programme) see every scope."""
    return access.is_admin(user) or access.is_author(user)


def estimated_team_ids(user: Any) -> list[int] | None:
    """The trained teams whose training effect the user may see estimated: every team
    for admins and authors (None), the teams they manage for managers."""
    if may_see_everything(user):
        return None
    if not access.is_manager(user):
        raise PermissionDenied
    return list(access.teams_managed_by(user).values_list("id", flat=True))


def scope_check(*, user: Any, scope: Scope) -> None:
    """Managers see their teams and those teams' services; admins and authors see all;
    everyone else gets 403."""
    if may_see_everything(user):
        return
    if not access.is_manager(user):
        raise PermissionDenied
    if scope.kind == "org":
        raise PermissionDenied
    managed = set(access.teams_managed_by(user).values_list("id", flat=True))
    wanted = set(scope.team_ids or ()) if scope.kind != "service" else {scope.service_team_id}
    if not wanted or not wanted <= managed:
        raise PermissionDenied


def scope_for_user(*, user: Any, text: str) -> Scope:
    """The scope, if the user may see it. A cohort's scope is narrowed to the teams the
    user may see, among those of a cohort they may see."""
    scope = scope_parse(text)
    if scope.kind == "cohort":
        cohort_id = int(scope.value.split(":", 1)[1])
        cohort_for_user(user=user, cohort_id=cohort_id)
        narrowed = cohort_scope(user=user, team_ids=scope.team_ids or ())
        if narrowed is None:
            raise PermissionDenied
        return replace(narrowed, kind="cohort", value=scope.value, label=scope.label)
    scope_check(user=user, scope=scope)
    return scope


def scopes_for_user(*, user: Any) -> list[tuple[str, str]]:
    """(value, label) of the scopes a user may pick, organisation first."""
    choices = [("org", "Whole organisation")] if may_see_everything(user) else []
    teams = Team.objects.all() if may_see_everything(user) else access.teams_managed_by(user)
    choices += [(f"team:{slug}", name) for slug, name in teams.values_list("slug", "name")]
    return choices


# --- filters ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    severity: tuple[str, ...] = ()
    ai_related: bool | None = None
    failure_mode: tuple[str, ...] = ()

    def apply(self, rows: QuerySet) -> QuerySet:
        if self.severity:
            rows = rows.filter(severity__in=self.severity)
        if self.ai_related is not None:
            rows = rows.filter(ai_related=self.ai_related)
        if self.failure_mode:
            rows = rows.filter(failure_mode__in=self.failure_mode)
        return rows

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.severity:
            out["severity"] = list(self.severity)
        if self.ai_related is not None:
            out["ai_related"] = self.ai_related
        if self.failure_mode:
            out["failure_mode"] = list(self.failure_mode)
        return out


def _listed(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def filters_parse(data: Any) -> Filters:
    """From query parameters or a dict: severity, ai_related, failure_mode (each
    may repeat or be comma-separated)."""
    getlist = data.getlist if hasattr(data, "getlist") else lambda k: data.get(k)
    severity = _listed(getlist("severity"))
    bad = [s for s in severity if s not in Severity.values]
    if bad:
        raise MetricsError(f"Unknown severity {bad[0]!r}; use {', '.join(Severity.values)}.")
    modes = _listed(getlist("failure_mode"))
    bad = [m for m in modes if m not in FailureMode.values]
    if bad:
        raise MetricsError(f"Unknown failure mode {bad[0]!r}.")
    ai = data.get("ai_related")
    if ai in (None, "", "any"):
        ai_related = None
    elif ai in (True, "true", "1", "yes"):
        ai_related = True
    elif ai in (False, "false", "0", "no"):
        ai_related = False
    else:
        raise MetricsError("ai_related is true, false or any.")
    return Filters(tuple(sorted(set(severity))), ai_related, tuple(sorted(set(modes))))


def date_parse(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        raise MetricsError(f"{name} must be a date, YYYY-MM-DD.") from None
    if not date_in_range(day):
        raise MetricsError(f"{name}: {DATE_RANGE_MESSAGE}")
    return day


def dates_parse(
    *, period: str, date_from: Any, date_to: Any, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The first and last day covered: whole periods, from the one holding `from`
    to the one holding `to` (default: the last few periods up to today)."""
    if period not in PERIODS:
        raise MetricsError(f"period is one of: {', '.join(PERIODS)}.")
    today = today or timezone.localdate()

    last = date_parse(date_to, "to") or today
    first = date_parse(date_from, "from")
    if period == "all":
        # One total from the month holding `from` (default: the first year there is) to
        # the end of the month holding `to`.
        first = (first or dt.date.min).replace(day=1)
        if first > last:
            raise MetricsError("from must not be after to.")
        return first, period_end(period_start(last, "month"), "month") - dt.timedelta(days=1)
    if first is None:
        first = last
        for _ in range(DEFAULT_PERIODS[period] - 1):
            first = period_start(first, period) - dt.timedelta(days=1)
    if first > last:
        raise MetricsError("from must not be after to.")
    start, end = period_start(first, period), period_end(period_start(last, period), period)
    if len(periods_between(start, end - dt.timedelta(days=1), period)) > MAX_PERIODS:
        raise MetricsError(f"At most {MAX_PERIODS} periods at a time.")
    return start, end - dt.timedelta(days=1)


def periods_back(last: dt.date, period: str, count: int) -> dt.date:
    """The first day of the period `count − 1` periods before the one holding `last`."""
    first = period_start(last, period)
    for _ in range(count - 1):
        first = period_start(first - dt.timedelta(days=1), period)
    return first


def latest_incident_day(*, scope: Scope, filters: Filters) -> dt.date | None:
    """The start of the latest slice with an incident in scope (one query)."""
    rows = scope.filter(filters.apply(IncidentRollup.objects.order_by()))
    return rows.aggregate(latest=Max("slice_start"))["latest"]


# --- cohorts ------------------------------------------------------------------------------


def cohort_for_user(*, user: Any, cohort_id: int) -> Any:
    """A cohort the user may see on a dashboard: managers the cohorts they sponsor or
    with members in teams they manage, authors and admins every cohort (the rule of
    `pathways.progress.selectors.cohorts_visible_to`). Learners get 403, others 404."""
    from pathways.progress.selectors import cohorts_visible_to

    if not (access.is_manager(user) or may_see_everything(user)):
        raise PermissionDenied
    cohort = cohorts_visible_to(user).filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


@dataclass(frozen=True, slots=True)
class CohortView:
    cohort: Any
    snapshot: Any  # CohortSnapshot | None
    sees_everyone: bool  # every member one by one (else small groups are not shown)
    # (id, slug, name) of the teams the viewer manages; None: they see every team
    managed_teams: tuple[tuple[int, str, str], ...] | None


def _reach_checks(user_id: int, team_ids: Sequence[int]) -> dict[str, RawSQL]:
    """Over a cohort snapshot row: whether the cohort has a member who is the user or in
    one of `team_ids` (the teams they manage), and one who is neither (a member they
    may not see one by one). Plain SQL: the ORM's EXISTS over OR-ed subqueries cost
    the dashboard more to build than PostgreSQL takes to run."""
    quote = connection.ops.quote_name
    members = quote(CohortMember._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    snapshots = quote(CohortSnapshot._meta.db_table)
    in_teams = "1 = 0"  # no team: nobody is in them
    if team_ids:
        marks = ", ".join(["%s"] * len(team_ids))
        in_teams = (
            f"cm.user_id IN (SELECT m.user_id FROM {memberships} m WHERE m.team_id IN ({marks}))"
        )
    of_cohort = f"SELECT 1 FROM {members} cm WHERE cm.cohort_id = {snapshots}.cohort_id"
    params = (user_id, *team_ids)
    return {
        "member_in_reach": RawSQL(
            f"EXISTS({of_cohort} AND (cm.user_id = %s OR {in_teams}))", params, BooleanField()
        ),
        "hidden_members": RawSQL(
            f"EXISTS({of_cohort} AND cm.user_id <> %s AND NOT ({in_teams}))", params, BooleanField()
        ),
    }


def cohort_view_for_user(*, user: Any, cohort_id: int) -> CohortView:
    """`cohort_for_user` (the same rule, the same errors), the cohort's snapshot and
    whether the user sees every member (`small_groups`), with the teams the user manages
    read once: two queries (one for authors and admins).

    The rules are those of `pathways.progress.selectors.cohorts_visible_to` and
    `org.access.people_visible_to`, stated over the managed teams read here: a manager
    sees a cohort they sponsor, are in, or with a member in a team they manage, and the
    people who are themselves or in a team they manage."""
    if not (access.is_manager(user) or may_see_everything(user)):
        raise PermissionDenied
    everything = may_see_everything(user)
    admin = access.is_admin(user)
    managed = None
    if not admin:
        managed = tuple(
            access.teams_managed_by(user).order_by("name").values_list("id", "slug", "name")
        )
    rows = CohortSnapshot.objects.filter(cohort_id=cohort_id).select_related("cohort")
    if managed is not None:
        rows = rows.annotate(**_reach_checks(user.pk, [t[0] for t in managed]))
    snapshot = rows.first()
    if snapshot is None:  # not computed yet: the cohort alone, the checks as before
        from ..small_groups import viewer_sees_everyone

        cohort = cohort_for_user(user=user, cohort_id=cohort_id)
        sees = viewer_sees_everyone(user=user, cohort_id=cohort_id)
        return CohortView(cohort=cohort, snapshot=None, sees_everyone=sees, managed_teams=managed)
    cohort: Cohort = snapshot.cohort
    visible = everything or cohort.sponsor_id == user.pk or snapshot.member_in_reach
    if not visible:
        raise Http404("No such cohort.")
    return CohortView(
        cohort=cohort,
        snapshot=snapshot,
        sees_everyone=admin or not snapshot.hidden_members,
        managed_teams=managed,
    )


def _teams_scope(rows: Sequence[tuple[int, str, str]]) -> Scope | None:
    if not rows:
        return None
    return Scope(
        kind="teams",
        value="teams:" + ",".join(sorted(slug for _, slug, _ in rows)),
        label=", ".join(name for _, _, name in rows),
        team_ids=tuple(sorted(pk for pk, _, _ in rows)),
    )


def cohort_scope(
    *,
    user: Any,
    team_ids: Sequence[int],
    managed: Sequence[tuple[int, str, str]] | None = None,
) -> Scope | None:
    """The cohort's teams the user may see incident KPIs of, as one scope. `managed`:
    the (id, slug, name) of the teams the user manages, sorted by name, if read already
    (`CohortView.managed_teams`); then no query for a manager."""
    if managed is not None and not may_see_everything(user):
        wanted = set(team_ids)
        return _teams_scope([t for t in managed if t[0] in wanted])
    teams = Team.objects.filter(pk__in=team_ids)
    if not may_see_everything(user):
        teams = teams.filter(pk__in=access.teams_managed_by(user))
    return _teams_scope(list(teams.order_by("name").values_list("id", "slug", "name")))


# The parameters of an incident report, the same in the API and on the dashboards
# (the API also takes `scope`).
REPORT_PARAMETERS = ("period", "from", "to", "severity", "ai_related", "failure_mode")


def parameters_check(params: Any, allowed: Sequence[str] = REPORT_PARAMETERS) -> None:
    """MetricsError naming the first parameter that is not one of `allowed`: a typo or
    another page's name must not quietly fall back to a default."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        names = ", ".join(unknown)
        raise MetricsError(
            f"Unknown parameter{'s' if len(unknown) > 1 else ''} {names}; use {', '.join(allowed)}."
        )


def services_for_user(*, user: Any) -> QuerySet[Service]:
    """Services whose dashboards the user may see: all for admins and authors, those
    owned by the teams they manage for managers, none otherwise."""
    services = Service.objects.select_related("team").order_by("name")
    if may_see_everything(user):
        return services
    if not access.is_manager(user):
        return services.none()
    return services.filter(team__in=access.teams_managed_by(user))
