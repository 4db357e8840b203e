"""Pure KPI arithmetic: exact percentiles, means, rates and calendar periods.

Durations are integer microseconds inside (the resolution of the database's
timestamps, so a subtraction loses nothing) and `Decimal` seconds outside.
Percentiles follow PostgreSQL's `percentile_cont`: the value at position
p·(n−1) of the sorted sample, interpolated linearly between its neighbours; they
are computed with fractions, so the median (a multiple of ½ µs) and p90 (a
multiple of 1/10 µs) are exact. The mean is rounded half-even to the microsecond.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from math import floor

US_PER_SECOND = 1_000_000
SMALL_SAMPLE_BELOW = 5
MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)
MICROSECOND = Decimal("0.000001")
CENTS = Decimal("0.01")

# `all`: one period over the whole range asked for (whole months, the smallest unit
# rollups can be cut at that is independent of weekdays).
PERIODS = ("week", "month", "quarter", "year", "all")


# --- values ------------------------------------------------------------------------


def percentile_cont(sorted_values: Sequence[int], p: Fraction) -> Fraction | None:
    """`percentile_cont(p)` of an ascending sample, exactly; None for an empty one."""
    n = len(sorted_values)
    if n == 0:
        return None
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    position = p * (n - 1)
    low = floor(position)
    fraction = position - low
    if fraction == 0:
        return Fraction(sorted_values[low])
    return sorted_values[low] + fraction * (sorted_values[low + 1] - sorted_values[low])


def _plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def us_to_seconds(value: Fraction | int) -> Decimal:
    """Microseconds to seconds. Exact for the values produced here (a terminating
    decimal: integer, half or tenth microseconds)."""
    value = Fraction(value)
    with localcontext() as ctx:
        ctx.prec = 60
        result = Decimal(value.numerator) / Decimal(value.denominator) / US_PER_SECOND
    return _plain(result)


def mean_seconds(total_us: int, n: int) -> Decimal | None:
    if n == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        result = (Decimal(total_us) / n / US_PER_SECOND).quantize(MICROSECOND)
    return _plain(result)


def merge_sorted(runs: Iterable[Sequence[int]]) -> list[int]:
    """One ascending list from ascending runs (timsort merges runs in O(n log k))."""
    merged: list[int] = []
    for run in runs:
        merged.extend(run)
    merged.sort()
    return merged


def encode_values(values: Iterable[int]) -> str:
    return ",".join(map(str, sorted(values)))


def decode_values(text: str) -> list[int]:
    return list(map(int, text.split(","))) if text else []


@dataclass(frozen=True, slots=True)
class DurationSummary:
    """One lifecycle KPI over a sample: seconds, with the sample size and exclusions."""

    n: int
    excluded: int
    median: Decimal | None
    p90: Decimal | None
    mean: Decimal | None

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE_BELOW


def summarize_durations(sorted_us: Sequence[int], *, population: int) -> DurationSummary:
    """n, median, p90 and mean of an ascending sample of microseconds.

    `population` is the number of incidents in scope: those without the two
    timestamps the KPI needs are not in the sample and are counted as excluded.
    """
    n = len(sorted_us)
    if n > population:
        raise ValueError("the sample cannot be larger than the population")
    median = percentile_cont(sorted_us, MEDIAN)
    p90 = percentile_cont(sorted_us, P90)
    return DurationSummary(
        n=n,
        excluded=population - n,
        median=None if median is None else us_to_seconds(median),
        p90=None if p90 is None else us_to_seconds(p90),
        mean=mean_seconds(sum(sorted_us), n),
    )


@dataclass(frozen=True, slots=True)
class RateSummary:
    """A share of incidents, e.g. those resolved by a rollback."""

    count: int
    n: int

    @property
    def rate(self) -> Decimal | None:
        if self.n == 0:
            return None
        return (Decimal(self.count) / self.n).quantize(Decimal("0.0001"))

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE_BELOW


@dataclass(frozen=True, slots=True)
class CleanupSummary:
    """Manual cleanup hours: total and per incident that recorded it."""

    n: int
    excluded: int
    total_centi: int

    @property
    def total(self) -> Decimal:
        return (Decimal(self.total_centi) / 100).quantize(CENTS)

    @property
    def per_incident(self) -> Decimal | None:
        if self.n == 0:
            return None
        return (Decimal(self.total_centi) / 100 / self.n).quantize(Decimal("0.0001"))

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE_BELOW


def hours_to_centi(hours: Decimal) -> int:
    """Cleanup hours are stored with two decimals; keep them as exact hundredths."""
    centi = hours * 100
    if centi != centi.to_integral_value():
        raise ValueError(f"{hours} has more than two decimals")
    return int(centi)


def duration_us(end: dt.datetime | None, start: dt.datetime | None) -> int | None:
    if end is None or start is None:
        return None
    return (end - start) // dt.timedelta(microseconds=1)


# --- calendar ----------------------------------------------------------------------


def slice_start(day: dt.date) -> dt.date:
    """The rollup slice holding `day`: its ISO week cut at month boundaries.

    A week that spans two months is kept as two slices, so weeks, months and
    quarters are all exact unions of slices.
    """
    monday = day - dt.timedelta(days=day.weekday())
    first_of_month = day.replace(day=1)
    return max(monday, first_of_month)


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    if period == "all":
        return day.replace(day=1)
    raise ValueError(f"unknown period {period!r}")


def period_end(start: dt.date, period: str) -> dt.date:
    """The first day after the period starting at `start` (for `all`: after its month;
    the caller knows where its range ends)."""
    if period == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12, "all": 1}.get(period)
    if months is None:
        raise ValueError(f"unknown period {period!r}")
    month0 = start.month - 1 + months
    return dt.date(start.year + month0 // 12, month0 % 12 + 1, 1)


def periods_between(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    """Starts of every period from the one holding `first` to the one holding `last`."""
    start = period_start(first, period)
    if period == "all":
        return [start]
    starts = []
    while start <= last:
        starts.append(start)
        start = period_end(start, period)
    return starts


def normalised_gain(pre: Decimal | float, post: Decimal | float, maximum: Decimal | float = 100):
    """Hake's normalised gain (post − pre) / (max − pre); None when pre is already max."""
    pre, post, maximum = Decimal(str(pre)), Decimal(str(post)), Decimal(str(maximum))
    if pre >= maximum:
        return None
    return ((post - pre) / (maximum - pre)).quantize(Decimal("0.0001"))
