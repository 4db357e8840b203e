"""Calibration of the staggered impact estimate (`metrics.staggered`) on simulated data.

Each simulated organisation has 24 teams over 52 weeks: three cohorts of four teams
starting in weeks 28, 32 and 36, and twelve teams never trained. Every team has its
own incident rate (1–4 a week, Poisson) and its own typical MTTR (lognormal team
level), every week a shock shared by all teams, and each incident a lognormal spread
(σ 0.6); a team-week's figure is the median MTTR of its incidents (missing when it had
none), as the product reads it from rollups. The estimator runs as on the impact view:
13-week windows (90 days), 999 bootstrap resamples.

- **Coverage**: over BENCH_IMPACT_NULL data sets with no effect (default 500), the
  share of 95 % intervals that cover 0. Target 93–97 %.
- **Power**: a planted effect equal to the minimum detectable effect the estimator
  states for this design (80 % power, from the median standard error of the null
  runs) is added to every trained team's incidents from its cohort's start; over
  BENCH_IMPACT_EFFECT data sets (default 500), the share whose interval excludes 0,
  against the power the estimator states for that effect, averaged over the same data
  sets. Target: within 5 points.
- The placebo's coverage of 0 on the null data sets is printed too.

Exits non-zero when a figure is outside its band. No database; a minute or two.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: threads only add waiting

import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from metrics import staggered  # noqa: E402

N_NULL = int(os.environ.get("BENCH_IMPACT_NULL", "500"))
N_EFFECT = int(os.environ.get("BENCH_IMPACT_EFFECT", "500"))
SEED = int(os.environ.get("BENCH_IMPACT_SEED", "2026"))
TEAMS, WEEKS, STARTS, PER_COHORT, WINDOW = 24, 52, (28, 32, 36), 4, 13
COVERAGE_BAND = (0.93, 0.97)
POWER_POINTS = 0.05


def simulate(rng: np.random.Generator, effect: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    first = np.full(TEAMS, staggered.NEVER, dtype=np.int64)
    for k, start in enumerate(STARTS):
        first[k * PER_COHORT : (k + 1) * PER_COHORT] = start
    level = rng.normal(0, 0.4, TEAMS)[:, None, None]
    shock = rng.normal(0, 0.15, WEEKS)[None, :, None]
    counts = rng.poisson(rng.uniform(1, 4, TEAMS)[:, None], (TEAMS, WEEKS))
    most = max(1, int(counts.max()))
    mttr = 3600 * np.exp(level + shock + rng.normal(0, 0.6, (TEAMS, WEEKS, most)))
    trained = np.arange(WEEKS)[None, :] >= first[:, None]
    mttr = mttr + effect * trained[:, :, None]
    mttr[np.arange(most)[None, None, :] >= counts[:, :, None]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a team-week without incidents
        return np.nanmedian(mttr, axis=2), first


def main() -> int:
    rng = np.random.default_rng(SEED)
    began = time.perf_counter()
    covered = placebo_covered = 0
    errors = []
    df = 1
    for _ in range(N_NULL):
        values, first = simulate(rng)
        result = staggered.estimate(values, first, pre=WINDOW, post=WINDOW)
        fake = staggered.placebo(values, first, pre=WINDOW, post=WINDOW)
        covered += bool(result.overall.covers_zero)
        placebo_covered += bool(fake.overall.covers_zero)
        errors.append(result.overall.se)
        df = result.df
    coverage = covered / N_NULL
    effect = -staggered.minimum_detectable_effect(float(np.median(errors)), df)
    detected = 0
    stated = []
    for _ in range(N_EFFECT):
        values, first = simulate(rng, effect)
        result = staggered.estimate(values, first, pre=WINDOW, post=WINDOW)
        detected += not result.overall.covers_zero
        stated.append(staggered.power_for(effect, result.overall.se, result.df))
    detection, power = detected / N_EFFECT, float(np.mean(stated))
    seconds = time.perf_counter() - began
    low, high = COVERAGE_BAND
    coverage_ok = low <= coverage <= high
    power_ok = abs(detection - power) <= POWER_POINTS
    print(f"impact_null_coverage: {coverage:.3f} over {N_NULL} data sets (target {low}–{high})")
    print(f"impact_placebo_coverage: {placebo_covered / N_NULL:.3f} (information)")
    print(
        f"impact_detection_rate: {detection:.3f} for a planted {effect:.0f} s over {N_EFFECT} "
        f"data sets; stated power {power:.3f} (target within {POWER_POINTS * 100:.0f} points)"
    )
    print(f"impact_bench_seconds: {seconds:.0f}")
    return 0 if coverage_ok and power_ok else 1


if __name__ == "__main__":
    sys.exit(main())
