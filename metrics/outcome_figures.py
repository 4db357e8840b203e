"""Outcome KPIs of cohorts, measured by the worker and stored (`CohortOutcome`).

The worker measures every outcome of every cohort's pathways (`selectors.cohort_outcomes`)
over all the cohort's teams and over each team alone, and replaces the cohort's stored
rows. It runs when rollups change (after a processing run and the nightly rebuild) and
when external KPI observations arrive. Dashboards, the pathway page and the API read the
stored rows of the teams the viewer may see. When there are none that fit (nothing stored
yet, the cohort's teams or outcomes changed since, or a manager sees several of the
cohort's teams but not all of them) the figures are computed on read and marked so;
a missing or outdated cohort is queued for measuring.
"""

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, IntegerField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from config.tasks import enqueue_on_commit

from . import selectors
from .models import CohortOutcome
from .selectors.outcomes import OutcomeMeasure
from .selectors.scopes import Scope

_DECIMALS = ("baseline", "current", "target")
_DATES = ("baseline_from", "baseline_to", "current_from", "current_to")
ALL_TEAMS = "cohort"


def cohort_team_ids(cohort: Any) -> list[int]:
    """The teams of a cohort's members (as the training snapshot counts them)."""
    from org.models import Membership
    from pathways.models import CohortMember

    members = CohortMember.objects.filter(cohort=cohort).values("user_id")
    return sorted(
        set(Membership.objects.filter(user_id__in=members).values_list("team_id", flat=True))
    )


def teams_scope(team_ids: list[int] | tuple[int, ...]) -> Scope:
    ids = tuple(sorted(team_ids))
    return Scope(
        kind="teams",
        value="teams:" + ",".join(str(pk) for pk in ids),
        label="",
        team_ids=ids,
    )


def _scope_key(team_ids: tuple[int, ...], all_team_ids: tuple[int, ...]) -> str | None:
    if team_ids == all_team_ids:
        return ALL_TEAMS
    if len(team_ids) == 1:
        return f"team:{team_ids[0]}"
    return None


def measure_to_json(measure: OutcomeMeasure) -> dict[str, Any]:
    data = measure.as_dict()
    for name in _DECIMALS:
        data[name] = None if data[name] is None else str(data[name])
    for name in _DATES:
        data[name] = data[name].isoformat()
    return data


def measure_from_json(data: dict[str, Any]) -> OutcomeMeasure:
    values = {f.name: data.get(f.name) for f in fields(OutcomeMeasure)}
    for name in _DECIMALS:
        values[name] = None if values[name] is None else Decimal(values[name])
    for name in _DATES:
        values[name] = dt.date.fromisoformat(values[name])
    values["note"] = values["note"] or ""
    return OutcomeMeasure(**values)


def cohort_outcomes_store(*, cohort_id: int, today: dt.date | None = None) -> int:
    """Measure one cohort's outcomes for all its teams and each team, and replace its
    stored rows. Idempotent; concurrent runs for one cohort queue on its row lock.
    Returns the number of rows stored."""
    from pathways.models import Cohort

    from .registry import REGISTRY

    today = today or timezone.localdate()
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().filter(pk=cohort_id).first()
        if cohort is None:
            return 0
        pathways = list(cohort.pathways.prefetch_related("outcomes"))
        outcomes = [
            (pathway, outcome)
            for pathway in pathways
            for outcome in pathway.outcomes.all()
            if outcome.kpi_key in REGISTRY
        ]
        team_ids = cohort_team_ids(cohort)
        groups: list[tuple[str, int | None, list[int]]] = []
        if team_ids:
            groups.append((ALL_TEAMS, None, team_ids))
            groups += [(f"team:{pk}", pk, [pk]) for pk in team_ids]
        now = timezone.now()
        rows = []
        for scope_key, team_id, ids in groups:
            measures = selectors.cohort_outcomes(
                pathways=pathways, start=cohort.start_date, scope=teams_scope(ids), today=today
            )
            # cohort_outcomes keeps the outcomes' order and skips the same unknown KPIs
            for position, ((_, outcome), measure) in enumerate(
                zip(outcomes, measures, strict=True)
            ):
                rows.append(
                    CohortOutcome(
                        cohort_id=cohort.pk,
                        outcome_id=outcome.pk,
                        scope_key=scope_key,
                        team_id=team_id,
                        team_ids=ids,
                        kpi_key=outcome.kpi_key,
                        position=position,
                        measure=measure_to_json(measure),
                        computed_at=now,
                    )
                )
        CohortOutcome.objects.filter(cohort_id=cohort.pk).delete()
        CohortOutcome.objects.bulk_create(rows)
    return len(rows)


def cohorts_with_outcomes() -> list[int]:
    from pathways.models import Cohort

    return list(
        Cohort.objects.filter(pathways__outcomes__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )


def cohort_outcomes_store_all(*, today: dt.date | None = None) -> list[int]:
    """Measure every cohort whose pathways have outcomes. Returns their ids."""
    ids = cohorts_with_outcomes()
    for cohort_id in ids:
        cohort_outcomes_store(cohort_id=cohort_id, today=today)
    return ids


def cohort_outcomes_changed() -> None:
    """What rollups (or external observations) have changed: queue the re-measuring,
    unless no cohort has outcomes to measure."""
    if cohorts_with_outcomes():
        enqueue_on_commit("metrics.tasks.cohort_outcomes_refresh")


@dataclass(frozen=True, slots=True)
class OutcomeFigures:
    rows: list[OutcomeMeasure]
    stored: bool  # False: computed on read
    computed_at: dt.datetime | None


def _stored_rows(*, cohort: Any, wanted: tuple[int, ...]) -> list[CohortOutcome]:
    """The stored rows that could fit `wanted` (all the cohort's teams, or its one team),
    each with what deciding needs, in one query: whether its outcome is still one of
    the cohort's, how many outcomes there are now, and how the teams of the cohort's
    members now compare with `wanted`. Plain SQL for those four: the ORM's subqueries
    cost the dashboard more to build than PostgreSQL takes to run them."""
    from org.models import Membership
    from pathways.models import Cohort, CohortMember, PathwayOutcome

    from .registry import REGISTRY

    quote = connection.ops.quote_name
    outcomes = quote(PathwayOutcome._meta.db_table)
    links = quote(Cohort.pathways.through._meta.db_table)
    members = quote(CohortMember._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    stored = quote(CohortOutcome._meta.db_table)
    kpis = sorted(REGISTRY)
    current = (
        f"FROM {outcomes} po INNER JOIN {links} cp ON cp.pathway_id = po.pathway_id "
        f"WHERE cp.cohort_id = %s AND po.kpi_key IN ({', '.join(['%s'] * len(kpis))})"
    )
    teams = (
        f"SELECT COUNT(DISTINCT m.team_id) FROM {memberships} m WHERE m.user_id IN "
        f"(SELECT cm.user_id FROM {members} cm WHERE cm.cohort_id = %s)"
    )
    in_wanted = f" AND m.team_id IN ({', '.join(['%s'] * len(wanted))})" if wanted else ""
    keys = [ALL_TEAMS] + ([f"team:{wanted[0]}"] if len(wanted) == 1 else [])
    return list(
        CohortOutcome.objects.filter(cohort_id=cohort.pk, scope_key__in=keys)
        .annotate(
            outcome_current=RawSQL(
                f"EXISTS(SELECT 1 {current} AND po.id = {stored}.outcome_id)",
                (cohort.pk, *kpis),
                BooleanField(),
            ),
            outcomes_now=RawSQL(f"SELECT COUNT(*) {current}", (cohort.pk, *kpis), IntegerField()),
            teams_now=RawSQL(teams, (cohort.pk,), IntegerField()),
            wanted_teams_now=RawSQL(teams + in_wanted, (cohort.pk, *wanted), IntegerField()),
        )
        .order_by("position")
    )


def cohort_outcomes_for(*, cohort: Any, scope: Scope, today: dt.date) -> OutcomeFigures:
    """The cohort's outcome figures for the teams of `scope` (the teams the viewer may
    see): stored ones when the worker measured exactly these teams and every current
    outcome, else computed now (and the cohort queued when its rows are missing or out
    of date). One query when rows are stored."""
    from pathways.models import PathwayOutcome

    from .registry import REGISTRY

    wanted = tuple(sorted(scope.team_ids or ()))
    candidates = _stored_rows(cohort=cohort, wanted=wanted) if wanted else []
    if candidates:
        first = candidates[0]
        all_teams = first.teams_now == first.wanted_teams_now == len(wanted)
        scope_key = ALL_TEAMS if all_teams else (f"team:{wanted[0]}" if len(wanted) == 1 else None)
        outcomes_now = first.outcomes_now
        stored = [r for r in candidates if r.scope_key == scope_key]
        fits = (
            len(stored) == outcomes_now
            and all(r.outcome_current for r in stored)
            and all(tuple(r.team_ids) == wanted for r in stored)
        )
    else:
        # Nothing stored for these teams: as many queries as it takes, once.
        all_team_ids = tuple(cohort_team_ids(cohort))
        scope_key = _scope_key(wanted, all_team_ids) if wanted else None
        outcomes_now = (
            PathwayOutcome.objects.filter(pathway__cohorts=cohort, kpi_key__in=list(REGISTRY))
            .order_by()
            .count()
        )
        stored, fits = [], outcomes_now == 0
    if scope_key is not None:
        if fits:
            return OutcomeFigures(
                rows=[measure_from_json(r.measure) for r in stored],
                stored=True,
                computed_at=min((r.computed_at for r in stored), default=None),
            )
        enqueue_on_commit("metrics.tasks.cohort_outcomes_store", cohort.pk)
    rows = selectors.cohort_outcomes(
        pathways=list(cohort.pathways.prefetch_related("outcomes")),
        start=cohort.start_date,
        scope=scope,
        today=today,
    )
    return OutcomeFigures(rows=rows, stored=False, computed_at=None)


# --- the pathway page -----------------------------------------------------------------

PATHWAY_PAGE_COHORTS = 10


@dataclass(frozen=True, slots=True)
class CohortOutcomeFigures:
    cohort: Any
    teams: str
    figures: OutcomeFigures | None  # None: hidden, the group is too small for this viewer
    people: int

    @property
    def table_id(self) -> str:
        return f"pathway-outcomes-{self.cohort.pk}"


def pathway_cohort_figures(
    *, user: Any, pathway_slug: str, today: dt.date
) -> list[CohortOutcomeFigures]:
    """For an author, admin or manager: the latest cohorts on this pathway (any version)
    they may see, each with this pathway's outcome figures for the cohort's teams they
    may see. Figures over fewer than `METRICS_MIN_GROUP_SIZE` cohort members are hidden
    from a viewer who may not see each of those members (`metrics.small_groups`)."""
    from django.conf import settings

    from org import access
    from pathways.models import CohortMember
    from pathways.progress.selectors import cohorts_visible_to

    from .small_groups import viewer_sees_everyone

    if not (access.is_manager(user) or selectors.may_see_everything(user)):
        return []
    cohorts = (
        cohorts_visible_to(user)
        .filter(pathways__slug=pathway_slug, pathways__outcomes__isnull=False)
        .distinct()
        .order_by("-start_date", "-pk")[:PATHWAY_PAGE_COHORTS]
    )
    shown = []
    for cohort in cohorts:
        scope = selectors.cohort_scope(user=user, team_ids=cohort_team_ids(cohort))
        if scope is None:
            continue
        people = (
            CohortMember.objects.filter(
                cohort=cohort, user__memberships__team_id__in=scope.team_ids
            )
            .values("user_id")
            .distinct()
            .count()
        )
        if people < settings.METRICS_MIN_GROUP_SIZE and not viewer_sees_everyone(
            user=user, cohort_id=cohort.pk
        ):
            shown.append(CohortOutcomeFigures(cohort, scope.label, None, people))
            continue
        figures = cohort_outcomes_for(cohort=cohort, scope=scope, today=today)
        rows = [row for row in figures.rows if row.pathway == pathway_slug]
        shown.append(
            CohortOutcomeFigures(
                cohort,
                scope.label,
                OutcomeFigures(rows=rows, stored=figures.stored, computed_at=figures.computed_at),
                people,
            )
        )
    return shown
