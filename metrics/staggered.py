"""Staggered difference-in-differences: cohorts that start on different weeks.

The estimator follows Callaway and Sant'Anna (2021): for every cohort g (the teams
whose training started in week g) and every week t around the start, the group-time
effect ATT(g, t) compares the change of the cohort's teams from their own baseline with
the change, from the same baseline weeks, of the teams not trained by then — teams
never trained and teams whose cohort starts later (not-yet-trained) — and nothing else:
a team trained earlier is never a comparison, so effects that grow over time cannot
leak into the estimate as they do in a two-way fixed-effects regression.

- Baseline: the mean of each team's `pre` weeks before the cohort started (a weekly
  incident figure is noisy; one base week would be noisier still).
- Aggregates, weighted by cohort size: the overall effect (weeks 0 … post−1 after the
  start), the effect of each cohort, and the event study (effect by week relative to
  the start, pre-start weeks included as a check of parallel trends).
- Intervals: a cluster bootstrap over teams, stratified by cohort (each resample keeps
  every cohort and the never-trained teams apart; rescaled for small strata), so weeks
  of one team are never treated as independent. The interval is estimate ± t(df) × the
  bootstrap standard error, df = trained teams − 1: with few teams a normal quantile is too narrow
  (`bench/bench_impact.py` checks the coverage).
- Placebo in time: the same analysis with every start moved `post` weeks earlier on
  the weeks before the real starts only. Its interval should cover 0.
- Minimum detectable effect at 80 % power: (t(1−α/2) + t(power)) × standard error.

Written with numpy rather than the `differences` package (which installs here): that
package works on pandas panels and brings pandas, polars, statsmodels and formulaic,
while the calibration bench runs the estimator on thousands of simulated panels; here
all bootstrap draws are one matrix product per KPI.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

NEVER = np.iinfo(np.int64).max  # `first` of a team never trained
CONFIDENCE = 0.95
POWER = 0.80
RESAMPLES = 999
SEED = 20_240_601


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float | None
    low: float | None
    high: float | None
    se: float | None

    @property
    def covers_zero(self) -> bool | None:
        if self.low is None or self.high is None:
            return None
        return self.low <= 0 <= self.high


@dataclass(frozen=True, slots=True)
class EventPoint:
    week: int  # relative to the start week (0 = the start week)
    interval: Interval
    teams: int


@dataclass(frozen=True, slots=True)
class CohortEffect:
    first: int  # index of the start week in the panel
    teams: int
    interval: Interval


@dataclass(frozen=True, slots=True)
class Staggered:
    overall: Interval
    cohorts: list[CohortEffect]
    event_study: list[EventPoint]
    treated_teams: int
    control_teams: int  # never trained
    df: int
    baseline: float | None  # trained teams' mean before their start
    confidence: float = CONFIDENCE
    resamples: int = RESAMPLES

    @property
    def mde(self) -> float | None:
        return minimum_detectable_effect(self.overall.se, self.df)

    @property
    def mde_share(self) -> float | None:
        """The minimum detectable effect as a share of the trained teams' baseline."""
        if self.mde is None or not self.baseline:
            return None
        return abs(self.mde / self.baseline)


@dataclass(frozen=True, slots=True)
class _Cells:
    """Each group-time cell: its cohort, week offset, and per-team differences."""

    keys: list[tuple[int, int]] = field(default_factory=list)  # (first, offset)
    treated: list[np.ndarray] = field(default_factory=list)  # N-vectors, NaN = not in cell
    control: list[np.ndarray] = field(default_factory=list)


def _t(df: int):  # type: ignore[no-untyped-def]
    """Student's t with `df` degrees of freedom. scipy.stats (about 60 MB) is imported
    when a report needs it, not by every process that loads the URLs."""
    from scipy import stats

    return stats.t(max(df, 1))


@lru_cache(maxsize=256)
def critical(df: int, confidence: float = CONFIDENCE) -> float:
    return float(_t(df).ppf(1 - (1 - confidence) / 2))


def minimum_detectable_effect(
    se: float | None, df: int, *, power: float = POWER, confidence: float = CONFIDENCE
) -> float | None:
    if se is None or not np.isfinite(se):
        return None
    return (critical(df, confidence) + critical(df, 1 - 2 * (1 - power))) * se


def power_for(effect: float, se: float, df: int, *, confidence: float = CONFIDENCE) -> float:
    """Chance that the interval excludes zero when the true effect is `effect`."""
    c = critical(df, confidence)
    shift = abs(effect) / se
    dist = _t(df)
    return float(dist.sf(c - shift) + dist.cdf(-c - shift))


def _cells(values: np.ndarray, first: np.ndarray, groups: list[int], pre: int, post: int):
    n_weeks = values.shape[1]
    cells = _Cells()
    for g in groups:
        base_from = max(0, g - pre)
        if base_from >= g:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a team with no week: NaN
            base = np.nanmean(values[:, base_from:g], axis=1)
        in_group = first == g
        for offset in range(-pre, post):
            t = g + offset
            if not 0 <= t < n_weeks:
                continue
            diff = values[:, t] - base
            controls = first > max(t, g)
            cells.keys.append((g, offset))
            cells.treated.append(np.where(in_group, diff, np.nan))
            cells.control.append(np.where(controls, diff, np.nan))
    return cells


def _att(weights: np.ndarray, treated: np.ndarray, control: np.ndarray) -> np.ndarray:
    """ATT of every cell under every row of team weights: (draws × cells)."""
    out = []
    for side in (treated, control):
        valid = ~np.isnan(side)
        with np.errstate(all="ignore"):
            out.append((weights @ np.where(valid, side, 0.0)) / (weights @ valid))
    return out[0] - out[1]


def _draws(first: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Team weights of the cluster bootstrap, stratified by cohort: row 0 is the data.

    Rescaled (Rao and Wu 1988): each stratum of m teams draws m − 1 of them with
    replacement, weighted m / (m − 1), so the variance of a mean is not shrunk by
    (m − 1) / m as in the plain bootstrap — which matters for cohorts of a few teams.
    Teams of one-team cohorts form one stratum together.
    """
    n = len(first)
    weights = np.ones((resamples + 1, n))
    sizes = {g: int(np.sum(first == g)) for g in np.unique(first)}
    # Cohorts of one team are pooled into one stratum: alone they add no variance.
    strata = [np.flatnonzero(first == g) for g, m in sizes.items() if m > 1]
    strata.append(np.flatnonzero(np.isin(first, [g for g, m in sizes.items() if m == 1])))
    for members in strata:
        m = len(members)
        if m < 2:
            continue
        picks = rng.multinomial(m - 1, np.full(m, 1.0 / m), size=resamples)
        weights[1:, members] = picks * (m / (m - 1))
    return weights


def _aggregate(att: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean over cells, per draw; cells that are NaN in a draw are left out."""
    valid = ~np.isnan(att)
    with np.errstate(all="ignore"):
        return (np.where(valid, att, 0.0) @ weights) / (valid @ weights)


def _interval(draws: np.ndarray, df: int, confidence: float, *, spread: bool) -> Interval:
    estimate = draws[0]
    boot = draws[1:][np.isfinite(draws[1:])]
    if not np.isfinite(estimate):
        return Interval(None, None, None, None)
    if not spread or len(boot) < 2:
        # One trained or one comparison team: no way to tell its spread from the data.
        return Interval(float(estimate), None, None, None)
    se = float(np.std(boot, ddof=1))
    half = critical(df, confidence) * se
    return Interval(float(estimate), float(estimate - half), float(estimate + half), se)


def estimate(
    values: np.ndarray,
    first: np.ndarray,
    *,
    estimated: np.ndarray | None = None,
    pre: int,
    post: int,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> Staggered:
    """The staggered DiD of one KPI.

    values: (teams × weeks) weekly figures, NaN where a team has none that week.
    first: index of each team's first trained week; NEVER if never trained (a start
        before the panel's first week is also a trained team, with no baseline).
    estimated: teams whose cohorts are estimated (default: every trained team); other
        trained teams serve only as not-yet-trained comparisons before their start.
    """
    values = np.asarray(values, dtype=float)
    first = np.asarray(first, dtype=np.int64)
    if estimated is None:
        estimated = first != NEVER
    groups = sorted({int(g) for g in first[estimated & (first != NEVER)] if g >= 0})
    cells = _cells(values, first, groups, pre, post)
    rng = np.random.default_rng(seed)
    weights = _draws(first, resamples, rng)
    treated_teams = int(np.sum(np.isin(first, groups)))
    df = max(treated_teams - 1, 1)
    empty = Interval(None, None, None, None)
    if not cells.keys:
        return Staggered(empty, [], [], treated_teams, int(np.sum(first == NEVER)), df, None)
    att = _att(weights, np.array(cells.treated).T, np.array(cells.control).T)
    keys = np.array(cells.keys)
    sizes = np.array([np.sum(first == g) for g, _ in cells.keys], dtype=float)

    def pick(mask: np.ndarray) -> Interval:
        if not mask.any():
            return empty
        draws = _aggregate(att, np.where(mask, sizes, 0.0))
        return _interval(draws, df, confidence, spread=spread)

    spread = treated_teams >= 2 and int(np.sum(first > min(groups))) >= 2
    post_cells = keys[:, 1] >= 0
    overall = pick(post_cells)
    cohorts = [
        CohortEffect(g, int(np.sum(first == g)), pick(post_cells & (keys[:, 0] == g)))
        for g in groups
    ]
    events = [
        EventPoint(
            int(e),
            pick(keys[:, 1] == e),
            int(sum(np.sum(first == g) for g, o in cells.keys if o == e)),
        )
        for e in sorted(set(keys[:, 1].tolist()))
    ]
    base_values = []
    for g in groups:
        window = values[first == g, max(0, g - pre) : g]
        base_values.extend(window[~np.isnan(window)].tolist())
    return Staggered(
        overall=overall,
        cohorts=cohorts,
        event_study=events,
        treated_teams=treated_teams,
        control_teams=int(np.sum(first == NEVER)),
        df=df,
        baseline=float(np.mean(base_values)) if base_values else None,
        confidence=confidence,
        resamples=resamples,
    )


def placebo(
    values: np.ndarray,
    first: np.ndarray,
    *,
    estimated: np.ndarray | None = None,
    pre: int,
    post: int,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> Staggered:
    """The same analysis with every start `post` weeks earlier, on the weeks before each
    team's real start only (later weeks are hidden, so no real effect can enter)."""
    values = np.array(values, dtype=float)
    first = np.asarray(first, dtype=np.int64)
    weeks = np.arange(values.shape[1])
    values[weeks[None, :] >= first[:, None]] = np.nan
    fake = np.where(first == NEVER, NEVER, first - post)
    if estimated is None:
        estimated = first != NEVER
    # A cohort whose fake baseline would start before the panel is left out.
    keep = estimated & (fake - pre >= 0)
    return estimate(
        values,
        fake,
        estimated=keep,
        pre=pre,
        post=post,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
    )
