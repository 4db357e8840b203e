"""Difference-in-differences: a planted effect is recovered, no effect covers zero."""

import datetime as dt

import numpy as np
import pytest

from metrics import services, staggered
from metrics.cohort_impact import staggered_impact
from metrics.impact import did_estimate, impact_for_teams
from tests.factories import CohortFactory, CohortMemberFactory, MembershipFactory, TeamFactory
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


# --- staggered cohorts --------------------------------------------------------------


def staggered_panel(rng, *, effect: float, starts=(20, 24, 28), per_cohort=4, never=12):
    """Weekly MTTR medians for teams of three cohorts and never-trained teams, with team
    levels, a common weekly shock and a trend; `effect` seconds from each start on."""
    teams, weeks = len(starts) * per_cohort + never, 40
    first = np.full(teams, staggered.NEVER, dtype=np.int64)
    for k, start in enumerate(starts):
        first[k * per_cohort : (k + 1) * per_cohort] = start
    level = rng.normal(0, 600, teams)[:, None]
    shock = rng.normal(0, 200, weeks)[None, :]
    trend = np.linspace(0, 900, weeks)[None, :]
    values = 3600 + level + shock + trend + rng.normal(0, 500, (teams, weeks))
    values += effect * (np.arange(weeks)[None, :] >= first[:, None])
    return values, first


def test_a_planted_staggered_effect_is_recovered_and_the_placebo_covers_zero():
    # given three cohorts starting four weeks apart whose MTTR drops by 1200 s from
    # their own start, twelve never-trained teams, and a trend shared by everyone
    values, first = staggered_panel(np.random.default_rng(7), effect=-1200)

    # when
    result = staggered.estimate(values, first, pre=8, post=8, resamples=499)
    fake = staggered.placebo(values, first, pre=8, post=8, resamples=499)

    # then the planted effect lies inside the interval, which excludes zero
    overall = result.overall
    assert overall.low < -1200 < overall.high
    assert overall.high < 0
    assert abs(overall.estimate + 1200) < 300
    assert [c.first for c in result.cohorts] == [20, 24, 28]
    assert all(c.interval.low < -1200 < c.interval.high for c in result.cohorts)
    # the event study: before the start nothing, from the start the effect
    before = [p for p in result.event_study if p.week < 0]
    after = [p for p in result.event_study if p.week >= 0]
    assert [p.week for p in result.event_study] == list(range(-8, 8))
    assert sum(p.interval.covers_zero for p in before) >= 7
    assert sum(p.interval.low < -1200 < p.interval.high for p in after) >= 7
    assert all(p.interval.estimate < 0 for p in after)
    assert np.mean([p.interval.estimate for p in after]) == pytest.approx(-1200, abs=300)
    # and the placebo, on weeks before any training, covers zero
    assert fake.overall.covers_zero is True
    assert (result.treated_teams, result.control_teams, result.df) == (12, 12, 11)
    # the detectable effect is stated for the data's noise
    assert 0 < result.mde < 1200
    assert result.mde == pytest.approx(
        (staggered.critical(11) + staggered.critical(11, 0.6)) * overall.se
    )


def test_no_effect_covers_zero_and_the_power_matches_the_detectable_effect():
    values, first = staggered_panel(np.random.default_rng(3), effect=0)
    result = staggered.estimate(values, first, pre=8, post=8, resamples=499)
    assert result.overall.covers_zero is True
    assert staggered.power_for(result.mde, result.overall.se, result.df) == pytest.approx(
        0.80, abs=0.01
    )


def test_a_team_trained_earlier_is_never_a_comparison():
    # given one early cohort whose effect grows a lot, and a later cohort with none
    values = np.full((3, 12), 100.0)
    first = np.array([2, 6, staggered.NEVER])
    values[0, 2:] -= np.arange(10) * 50  # the early team keeps improving
    result = staggered.estimate(values, first, pre=2, post=4, resamples=99)
    later = next(c for c in result.cohorts if c.first == 6)
    # then the later cohort is compared with the never-trained team only: no effect
    assert later.interval.estimate == 0


def test_staggered_impact_from_rollups_recovers_an_effect_on_mttr(db):
    # given two cohorts starting five weeks apart, two teams each, and four teams never
    # trained; one incident per team per day whose MTTR drops 1800 s from the cohort's
    # start for its teams (and a deterministic per-team, per-day jitter)
    rng = np.random.default_rng(11)
    early = dt.date(2025, 6, 2)
    late = dt.date(2025, 7, 7)
    cohorts = {early: CohortFactory(start_date=early), late: CohortFactory(start_date=late)}
    starts = {}
    teams = []
    for k in range(8):
        team = TeamFactory(slug=f"team-{k}")
        teams.append(team)
        if k < 4:
            start = early if k < 2 else late
            starts[team.pk] = start
            member = MembershipFactory(team=team).user
            CohortMemberFactory(cohort=cohorts[start], user=member)
    level = {team.pk: 3000 + 400 * k for k, team in enumerate(teams)}
    for day in range((dt.date(2025, 8, 11) - dt.date(2025, 4, 7)).days):
        date = dt.date(2025, 4, 7) + dt.timedelta(days=day)
        when = dt.datetime.combine(date, dt.time(12), dt.UTC)
        for team in teams:
            ttr = level[team.pk] + rng.normal(0, 300)
            if team.pk in starts and date >= starts[team.pk]:
                ttr -= 1800
            incident(team=team, start=when, ttd=60, ttr=ttr)
    services.rollups_recompute_all()

    # when
    impact = staggered_impact(
        estimated_team_ids=None, today=dt.date(2025, 9, 1), window_days=28, resamples=499
    )

    # then
    assert impact.cohort_starts == [early, late]
    assert (impact.treated_team_count, impact.control_team_count) == (4, 4)
    assert impact.weeks[0] == dt.date(2025, 4, 7) and impact.weeks[-1] == dt.date(2025, 7, 28)
    rows = {row.kpi_key: row for row in impact.rows}
    mttr = rows["mttr"].result.overall
    assert mttr.low < -1800 < mttr.high
    assert rows["mttr"].improved is True
    assert rows["mttr"].placebo.overall.covers_zero is True
    assert rows["mttd"].result.overall.estimate == pytest.approx(0)
    assert rows["incident_count"].result.overall.estimate == pytest.approx(0)
    assert "could be told from chance" in rows["mttr"].mde_words


def test_a_manager_estimates_only_their_teams(db):
    start = dt.date(2025, 6, 2)
    mine, theirs = TeamFactory(slug="mine"), TeamFactory(slug="theirs")
    TeamFactory(slug="never")
    cohort = CohortFactory(start_date=start)
    for team in (mine, theirs):
        CohortMemberFactory(cohort=cohort, user=MembershipFactory(team=team).user)

    impact = staggered_impact(estimated_team_ids=[mine.pk], today=dt.date(2025, 8, 1))

    assert impact.treated_team_count == 1
    assert staggered_impact(estimated_team_ids=[], today=dt.date(2025, 8, 1)) is None
