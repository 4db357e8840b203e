"""Training impact: difference-in-differences of incident KPIs, with a bootstrap interval.

For a set of teams (a cohort's) and a start date, each KPI is measured in a window
before and after the start, for those teams and for every other team; the estimate
is (after − before) for the trained teams minus (after − before) for the others.
The interval comes from resampling each of the four samples with replacement
(a fixed seed, so the same data always give the same interval).
"""

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache

from org.models import Team

from .compute import SMALL_SAMPLE_BELOW, decode_values, period_start
from .models import IncidentRollup
from .registry import DURATION_FIELDS, REGISTRY
from .selectors import Filters

SEED = 20_240_601
RESAMPLES = 2000
CONFIDENCE = 0.95
# Resample in blocks so that memory stays bounded (block rows × sample size).
BLOCK_ELEMENTS = 2_000_000
# Intervals are kept by a digest of their inputs, so a stale one is never served.
CACHE_SECONDS = 7 * 24 * 3600

PLAIN_WORDS = {
    "can": (
        "It compares how each KPI moved for the trained teams with how it moved, over the "
        "same weeks, for every other team. Changes that hit everyone alike (a quieter "
        "season, a new paging tool, an outage at a provider) cancel out, so what is left "
        "is the change the trained teams saw beyond the others. The interval shows how "
        "much that figure could move by chance alone given these incidents: if it does "
        "not include zero, chance alone is an unlikely explanation."
    ),
    "cannot": (
        "It cannot prove the training caused the change. It assumes the trained teams "
        "would otherwise have followed the same trend as the others; anything that "
        "changed for them only at the same time (a re-organisation, a new service, a "
        "different on-call rota, who was picked for the cohort) looks the same as a "
        "training effect. Few incidents make wide intervals; a window that has not ended "
        "uses only the weeks so far; and a KPI that depends on people recording "
        "timestamps or cleanup hours only covers incidents where they did."
    ),
}

Statistic = Callable[[np.ndarray], np.ndarray]  # row-wise over a 2-D array


def _median(samples: np.ndarray) -> np.ndarray:
    return np.median(samples, axis=-1)


def _mean(samples: np.ndarray) -> np.ndarray:
    return np.mean(samples, axis=-1)


STATISTICS: dict[str, Statistic] = {"median": _median, "mean": _mean}


@dataclass(frozen=True, slots=True)
class Did:
    statistic: str
    treated_before: float | None
    treated_after: float | None
    control_before: float | None
    control_after: float | None
    n: tuple[int, int, int, int]  # treated before/after, control before/after
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float = CONFIDENCE
    resamples: int = RESAMPLES
    seed: int = SEED

    @property
    def small_sample(self) -> bool:
        return min(self.n) < SMALL_SAMPLE_BELOW

    @property
    def covers_zero(self) -> bool | None:
        if self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low <= 0 <= self.ci_high


def _bootstrap(
    sample: np.ndarray, statistic: Statistic, rng: np.random.Generator, resamples: int
) -> np.ndarray:
    n = len(sample)
    rows = max(1, BLOCK_ELEMENTS // n)
    out = np.empty(resamples)
    for start in range(0, resamples, rows):
        count = min(rows, resamples - start)
        picks = rng.integers(0, n, size=(count, n))
        out[start : start + count] = statistic(sample[picks])
    return out


def _interval(
    samples: list[np.ndarray], statistic: str, resamples: int, confidence: float, seed: int
) -> tuple[float, float]:
    """The bootstrap interval of the DiD. The same samples always give the same interval
    (fixed seed), so it is kept in the cache under a digest of its inputs: a dashboard
    recomputes it only when its incidents changed (seconds for tens of thousands)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{statistic}|{resamples}|{confidence}|{seed}|{BLOCK_ELEMENTS}".encode())
    for sample in samples:
        digest.update(len(sample).to_bytes(8, "little"))
        digest.update(sample.tobytes())
    key = f"metrics:did:{digest.hexdigest()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    stat = STATISTICS[statistic]
    rng = np.random.default_rng(seed)
    boot = [_bootstrap(s, stat, rng, resamples) for s in samples]
    diffs = (boot[1] - boot[0]) - (boot[3] - boot[2])
    tail = (1 - confidence) / 2
    low, high = np.quantile(diffs, [tail, 1 - tail])
    result = (float(low), float(high))
    cache.set(key, result, timeout=CACHE_SECONDS)
    return result


def did_estimate(
    treated_before: Sequence[float],
    treated_after: Sequence[float],
    control_before: Sequence[float],
    control_after: Sequence[float],
    *,
    statistic: str = "median",
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> Did:
    """Difference-in-differences of `statistic` with a percentile bootstrap interval."""
    stat = STATISTICS[statistic]
    samples = [
        np.asarray(s, dtype=float)
        for s in (treated_before, treated_after, control_before, control_after)
    ]
    sizes = tuple(len(s) for s in samples)
    points = [float(stat(s)) if len(s) else None for s in samples]
    if min(sizes) == 0:
        return Did(statistic, *points, n=sizes, estimate=None, ci_low=None, ci_high=None)  # type: ignore[arg-type]
    tb, ta, cb, ca = points
    estimate = (ta - tb) - (ca - cb)  # type: ignore[operator]
    low, high = _interval(samples, statistic, resamples, confidence, seed)
    return Did(
        statistic,
        tb,
        ta,
        cb,
        ca,
        n=sizes,  # type: ignore[arg-type]
        estimate=float(estimate),
        ci_low=float(low),
        ci_high=float(high),
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )


# --- from rollups ---------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    durations: dict[str, list[float]] = field(
        default_factory=lambda: {key: [] for key in DURATION_FIELDS}
    )
    cleanup: list[float] = field(default_factory=list)
    rolled_back: int = 0
    incidents: int = 0
    team_weeks: dict[tuple[int, dt.date], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImpactRow:
    kpi_key: str
    name: str
    unit: str
    direction: str
    measure: str
    did: Did

    @property
    def improved(self) -> bool | None:
        """True/False when the interval excludes zero on the good/bad side."""
        d = self.did
        if d.ci_low is None or d.covers_zero:
            return None
        better_if_negative = REGISTRY[self.kpi_key].lower_is_better
        return (d.ci_high < 0) if better_if_negative else (d.ci_low > 0)


@dataclass(frozen=True, slots=True)
class Impact:
    team_ids: tuple[int, ...]
    start: dt.date
    window_weeks: int
    before: tuple[dt.date, dt.date]  # first day, first day after
    after: tuple[dt.date, dt.date]
    after_weeks_observed: int
    control_team_count: int
    rows: list[ImpactRow]
    plain_words: dict[str, str] = field(default_factory=lambda: PLAIN_WORDS)


def impact_for_teams(
    *,
    team_ids: Sequence[int],
    start: dt.date,
    window_days: int = 90,
    filters: Filters | None = None,
    today: dt.date,
    resamples: int = RESAMPLES,
) -> Impact:
    """DiD for each incident KPI: these teams against all others, whole weeks before and
    after the week `start` falls in. Reads rollups only (two queries)."""
    weeks = max(1, math.ceil(window_days / 7))
    first_after = period_start(start, "week")
    before = (first_after - dt.timedelta(weeks=weeks), first_after)
    # Only whole weeks that have ended count: a week still running would look quiet.
    observed_end = min(first_after + dt.timedelta(weeks=weeks), period_start(today, "week"))
    observed = max(0, (observed_end - first_after).days // 7)
    after = (first_after, first_after + dt.timedelta(weeks=observed))
    treated = set(team_ids)
    all_teams = set(Team.objects.values_list("id", flat=True))
    control = all_teams - treated
    rows = (filters or Filters()).apply(IncidentRollup.objects.order_by())
    rows = rows.filter(
        team_id__isnull=False, slice_start__gte=before[0], slice_start__lt=after[1]
    ).values_list(
        "team_id",
        "week_start",
        "incident_count",
        "rolled_back_count",
        "cleanup_values",
        *(f"{p}_values" for p in DURATION_FIELDS.values()),
    )
    groups = {key: _Group() for key in ("tb", "ta", "cb", "ca")}
    for team_id, week, count, rolled, cleanup, *durations in rows:
        side = "t" if team_id in treated else "c"
        group = groups[side + ("b" if week < first_after else "a")]
        group.incidents += count
        group.rolled_back += rolled
        group.cleanup.extend(v / 100 for v in decode_values(cleanup))
        for key, text in zip(DURATION_FIELDS, durations, strict=True):
            group.durations[key].extend(v / 1_000_000 for v in decode_values(text))
        group.team_weeks[(team_id, week)] = group.team_weeks.get((team_id, week), 0) + count

    def weekly_counts(group: _Group, teams: set[int], window: tuple[dt.date, dt.date]):
        week_starts = [
            window[0] + dt.timedelta(weeks=w) for w in range((window[1] - window[0]).days // 7)
        ]
        return [group.team_weeks.get((t, w), 0) for t in sorted(teams) for w in week_starts]

    def binary(group: _Group) -> list[float]:
        return [1.0] * group.rolled_back + [0.0] * (group.incidents - group.rolled_back)

    samples = {
        "incident_count": (
            "mean incidents per team per week",
            "mean",
            [
                weekly_counts(groups["tb"], treated, before),
                weekly_counts(groups["ta"], treated, after),
                weekly_counts(groups["cb"], control, before),
                weekly_counts(groups["ca"], control, after),
            ],
        ),
        **{
            kpi: (
                "median seconds",
                "median",
                [groups[g].durations[kpi] for g in ("tb", "ta", "cb", "ca")],
            )
            for kpi in DURATION_FIELDS
        },
        "rollback_rate": (
            "share of incidents rolled back",
            "mean",
            [binary(groups[g]) for g in ("tb", "ta", "cb", "ca")],
        ),
        "cleanup_hours": (
            "mean cleanup hours per incident that recorded it",
            "mean",
            [groups[g].cleanup for g in ("tb", "ta", "cb", "ca")],
        ),
    }
    result_rows = []
    for kpi_key, (measure, statistic, (tb, ta, cb, ca)) in samples.items():
        kpi = REGISTRY[kpi_key]
        result_rows.append(
            ImpactRow(
                kpi_key=kpi_key,
                name=kpi.name,
                unit=kpi.unit,
                direction=kpi.direction,
                measure=measure,
                did=did_estimate(tb, ta, cb, ca, statistic=statistic, resamples=resamples),
            )
        )
    return Impact(
        team_ids=tuple(sorted(treated)),
        start=start,
        window_weeks=weeks,
        before=before,
        after=after,
        after_weeks_observed=observed,
        control_team_count=len(control),
        rows=result_rows,
    )
