import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from metrics.compute import (
    MEDIAN,
    P90,
    CleanupSummary,
    RateSummary,
    decode_values,
    encode_values,
    mean_seconds,
    normalised_gain,
    percentile_cont,
    period_end,
    period_start,
    periods_between,
    slice_start,
    summarize_durations,
    us_to_seconds,
)

S = 1_000_000  # microseconds per second


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], MEDIAN, None),
        ([7], MEDIAN, Fraction(7)),
        ([7], P90, Fraction(7)),
        ([1, 3, 9], MEDIAN, Fraction(3)),  # odd n: the middle value
        ([1, 3, 9, 10], MEDIAN, Fraction(6)),  # even n: halfway between 3 and 9
        ([1, 2], MEDIAN, Fraction(3, 2)),  # half a microsecond is kept
        # p90 of 1..10: position 0.9 × 9 = 8.1 → 9 + 0.1 × (10 − 9)
        (list(range(1, 11)), P90, Fraction(91, 10)),
        ([10, 20, 30, 40, 50], P90, Fraction(46)),  # position 3.6 → 40 + 0.6 × 10
        ([0, 100], Fraction(0), Fraction(0)),
        ([0, 100], Fraction(1), Fraction(100)),
    ],
)
def test_percentile_cont_matches_postgres_definition(values, p, expected):
    assert percentile_cont(values, p) == expected


def test_percentile_outside_0_1_is_refused():
    with pytest.raises(ValueError):
        percentile_cont([1, 2], Fraction(3, 2))


@pytest.mark.parametrize(
    ("us", "seconds"),
    [
        (0, Decimal("0")),
        (90 * S, Decimal("90")),
        (Fraction(3, 2), Decimal("0.0000015")),
        (Fraction(91, 10), Decimal("0.0000091")),
        (86400 * 400 * S + 1, Decimal("34560000.000001")),  # 400 days and 1 µs: not truncated
    ],
)
def test_microseconds_become_exact_decimal_seconds(us, seconds):
    assert us_to_seconds(us) == seconds
    assert str(us_to_seconds(us)) == str(seconds)


@pytest.mark.parametrize(
    ("total_us", "n", "expected"),
    [
        (0, 0, None),
        (10 * S, 4, Decimal("2.5")),
        (10 * S, 3, Decimal("3.333333")),  # rounded half-even to the microsecond
        (2, 3, Decimal("0.000001")),
    ],
)
def test_mean_is_rounded_to_the_microsecond(total_us, n, expected):
    assert mean_seconds(total_us, n) == expected


def test_summary_counts_exclusions_and_flags_small_samples():
    # given four durations out of six incidents (two lack a timestamp)
    summary = summarize_durations([60 * S, 120 * S, 180 * S, 3600 * S], population=6)
    # then
    assert (summary.n, summary.excluded) == (4, 2)
    assert summary.median == Decimal("150")
    assert summary.p90 == Decimal("2574")  # position 2.7: 180 + 0.7 × (3600 − 180)
    assert summary.mean == Decimal("990")
    assert summary.small_sample is True


def test_summary_of_nothing_has_no_figures():
    summary = summarize_durations([], population=3)
    assert (summary.n, summary.excluded, summary.median, summary.p90, summary.mean) == (
        0,
        3,
        None,
        None,
        None,
    )


def test_rates_and_cleanup_summaries():
    assert RateSummary(count=1, n=3).rate == Decimal("0.3333")
    assert RateSummary(count=0, n=0).rate is None
    cleanup = CleanupSummary(n=3, excluded=1, total_centi=1025)
    assert (cleanup.total, cleanup.per_incident) == (Decimal("10.25"), Decimal("3.4167"))


def test_values_round_trip_sorted():
    assert encode_values([30, 10, 20]) == "10,20,30"
    assert decode_values("10,20,30") == [10, 20, 30]
    assert decode_values("") == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2025, 3, 5), dt.date(2025, 3, 3)),  # Wednesday → its Monday
        (dt.date(2025, 3, 3), dt.date(2025, 3, 3)),  # a Monday is its own slice
        (dt.date(2025, 4, 2), dt.date(2025, 4, 1)),  # week of 31 March cut at 1 April
        (dt.date(2025, 3, 31), dt.date(2025, 3, 31)),
        (dt.date(2025, 1, 1), dt.date(2025, 1, 1)),  # week of 30 Dec 2024 cut at the new year
    ],
)
def test_slices_are_weeks_cut_at_month_boundaries(day, expected):
    assert slice_start(day) == expected


@pytest.mark.parametrize(
    ("day", "period", "start", "end"),
    [
        (dt.date(2025, 4, 2), "week", dt.date(2025, 3, 31), dt.date(2025, 4, 7)),
        (dt.date(2025, 4, 2), "month", dt.date(2025, 4, 1), dt.date(2025, 5, 1)),
        (dt.date(2025, 12, 31), "month", dt.date(2025, 12, 1), dt.date(2026, 1, 1)),
        (dt.date(2025, 5, 20), "quarter", dt.date(2025, 4, 1), dt.date(2025, 7, 1)),
        (dt.date(2025, 11, 2), "quarter", dt.date(2025, 10, 1), dt.date(2026, 1, 1)),
    ],
)
def test_period_bounds(day, period, start, end):
    assert period_start(day, period) == start
    assert period_end(start, period) == end


def test_periods_between_covers_both_ends():
    assert periods_between(dt.date(2025, 1, 15), dt.date(2025, 3, 1), "month") == [
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
        dt.date(2025, 3, 1),
    ]


@pytest.mark.parametrize(
    ("pre", "post", "gain"),
    [(40, 70, Decimal("0.5")), (50, 50, Decimal("0")), (80, 60, Decimal("-1")), (100, 100, None)],
)
def test_normalised_gain(pre, post, gain):
    assert normalised_gain(pre, post) == gain
