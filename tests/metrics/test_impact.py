"""Difference-in-differences: a planted effect is recovered, no effect covers zero."""

import datetime as dt

import numpy as np
import pytest

from metrics import services
from metrics.impact import did_estimate, impact_for_teams
from tests.factories import TeamFactory
from tests.metrics.factories import incident


def lognormal(rng, median: float, n: int) -> np.ndarray:
    return median * rng.lognormal(mean=0.0, sigma=0.5, size=n)


def test_a_planted_effect_is_recovered_inside_the_interval():
    # given trained teams whose median MTTR halves (3600 → 1800 s) while everyone's
    # median rises by 600 s (a common trend the estimate must remove)
    rng = np.random.default_rng(1)
    treated_before, treated_after = lognormal(rng, 3600, 300), lognormal(rng, 2400, 300)
    control_before, control_after = lognormal(rng, 3000, 600), lognormal(rng, 3600, 600)
    planted = (2400 - 3600) - (3600 - 3000)

    # when
    did = did_estimate(treated_before, treated_after, control_before, control_after)

    # then the planted −1800 s lies inside the interval, which excludes zero
    assert did.ci_low < planted < did.ci_high
    assert did.ci_high < 0
    assert did.covers_zero is False
    assert abs(did.estimate - planted) < 300
    assert did.n == (300, 300, 600, 600)


def test_no_effect_gives_an_interval_covering_zero():
    # given the same common trend for everyone and nothing else
    rng = np.random.default_rng(2)
    treated_before, treated_after = lognormal(rng, 3600, 200), lognormal(rng, 4200, 200)
    control_before, control_after = lognormal(rng, 3000, 400), lognormal(rng, 3600, 400)

    did = did_estimate(treated_before, treated_after, control_before, control_after)

    assert did.covers_zero is True
    assert did.ci_low < 0 < did.ci_high


def test_the_interval_is_reproducible_and_means_work_too():
    samples = ([1, 2, 3, 4], [2, 3, 4, 5], [1, 1, 2, 2], [1, 1, 2, 2])
    first = did_estimate(*samples, statistic="mean")
    second = did_estimate(*samples, statistic="mean")
    assert first == second
    assert first.estimate == pytest.approx(1.0)  # (3.5 − 2.5) − (1.5 − 1.5)
    assert first.small_sample is True


def test_an_empty_group_gives_no_estimate():
    did = did_estimate([1.0], [], [1.0], [2.0])
    assert (did.estimate, did.ci_low, did.ci_high, did.covers_zero) == (None, None, None, None)
    assert did.n == (1, 0, 1, 1)


def test_impact_from_rollups_recovers_an_effect_on_mttr(db):
    # given two trained teams and two others, one incident per team per day over
    # 8 weeks before and 8 weeks after 2025-06-02, with MTTR times halving for the
    # trained teams only (deterministic jitter, no common trend)
    trained = [TeamFactory(slug="sre"), TeamFactory(slug="ml-platform")]
    others = [TeamFactory(slug="data-eng"), TeamFactory(slug="ai-product")]
    start = dt.date(2025, 6, 2)
    for day in range(-56, 56):
        when = dt.datetime.combine(start + dt.timedelta(days=day), dt.time(12), dt.UTC)
        jitter = (day * 37) % 600
        for team in trained:
            ttr = (1800 if day >= 0 else 3600) + jitter
            incident(team=team, start=when, ttd=60, ttr=ttr, rolled_back=day % 10 == 0)
        for team in others:
            incident(team=team, start=when, ttd=60, ttr=3600 + jitter)
    services.rollups_recompute_all()

    # when
    impact = impact_for_teams(
        team_ids=[t.pk for t in trained],
        start=dt.date(2025, 6, 4),  # a Wednesday: windows are whole weeks from Monday 2 June
        window_days=56,
        today=dt.date(2025, 9, 1),
        resamples=500,
    )

    # then
    assert (impact.before, impact.after) == (
        (dt.date(2025, 4, 7), dt.date(2025, 6, 2)),
        (dt.date(2025, 6, 2), dt.date(2025, 7, 28)),
    )
    assert (impact.window_weeks, impact.after_weeks_observed, impact.control_team_count) == (
        8,
        8,
        2,
    )
    rows = {row.kpi_key: row for row in impact.rows}
    mttr = rows["mttr"].did
    assert mttr.n == (112, 112, 112, 112)
    assert mttr.ci_low <= -1800 <= mttr.ci_high
    assert rows["mttr"].improved is True
    assert rows["mttd"].did.estimate == 0  # nothing changed there
    assert rows["incident_count"].did.estimate == 0  # 7 per team-week everywhere
    assert rows["incident_count"].did.n == (16, 16, 16, 16)


def test_an_unfinished_after_window_uses_only_ended_weeks(db):
    team = TeamFactory(slug="sre")
    TeamFactory(slug="other")
    incident(team=team, start=dt.datetime(2025, 6, 3, 12, tzinfo=dt.UTC), ttr=60)
    services.rollups_recompute_all()

    impact = impact_for_teams(
        team_ids=[team.pk], start=dt.date(2025, 6, 2), window_days=90, today=dt.date(2025, 6, 18)
    )

    assert impact.after == (dt.date(2025, 6, 2), dt.date(2025, 6, 16))
    assert impact.after_weeks_observed == 2


def test_an_interval_is_computed_once_for_the_same_samples(monkeypatch):
    from metrics import impact

    calls = []
    real = impact._bootstrap
    monkeypatch.setattr(
        impact, "_bootstrap", lambda *args: calls.append(len(args[0])) or real(*args)
    )
    samples = ([5.0, 7.0, 9.0], [4.0, 6.0], [5.0, 8.0, 9.0, 10.0], [6.0, 9.0])

    first = did_estimate(*samples, resamples=200)
    second = did_estimate(*samples, resamples=200)
    changed = did_estimate(*samples[:3], [6.0, 9.5], resamples=200)

    # the four samples were resampled once for the first call, not for the second
    assert calls == [3, 2, 4, 2, 3, 2, 4, 2]
    assert (second.ci_low, second.ci_high, second.estimate) == (
        first.ci_low,
        first.ci_high,
        first.estimate,
    )
    assert changed.estimate != first.estimate
