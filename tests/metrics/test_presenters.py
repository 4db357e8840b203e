from decimal import Decimal

import pytest

from metrics.presenters import duration_text, number
from metrics.selectors import histogram

S = 1_000_000


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (Decimal("0.75"), "0.75 s"),
        (45, "45 s"),
        (60, "1 min"),
        (750, "12 min 30 s"),
        (3600, "1 h 00 min"),
        (Decimal("11100"), "3 h 05 min"),
        (47 * 3600 + 59 * 60, "47 h 59 min"),
        (2 * 86400 + 4 * 3600, "2 d 4 h"),
    ],
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("value", "json_value"),
    [(None, None), (Decimal("210"), 210), (Decimal("0.5"), 0.5), (Decimal("1.0"), 1)],
)
def test_numbers_stay_integers_when_whole(value, json_value):
    assert number(value) == json_value
    assert type(number(value)) is type(json_value)


def test_histogram_bins_have_exclusive_upper_bounds():
    values = [0, 299 * S, 300 * S, 3599 * S, 3600 * S, 86400 * S, 10 * 86400 * S]
    counts = dict(histogram(values))
    assert counts["< 5 min"] == 2
    assert counts["5–15 min"] == 1
    assert counts["30 min – 1 h"] == 1
    assert counts["1–2 h"] == 1
    assert counts["1–3 days"] == 1
    assert counts["> 3 days"] == 1
    assert sum(counts.values()) == len(values)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        ("19847.5", "seconds", "5 h 30 min"),
        (Decimal("407.5"), "seconds", "6 min 48 s"),
        ("0.2292", "share of incidents", "22.9 %"),
        ("0.01", "share of requests", "1 %"),
        ("0.0015", "share of requests", "0.15 %"),
        ("300.0000", "milliseconds", "300 ms"),
        ("18.79", "incidents", "18.8 incidents"),
        ("404.20", "hours", "404.2 hours"),
        (None, "seconds", "—"),
        (None, "incidents", "—"),
    ],
)
def test_a_measured_value_reads_in_its_unit(value, unit, text):
    from metrics.templatetags.metrics_tags import measured

    assert measured(value, unit) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (-1205.0, "seconds", "−20 min"),
        (23758, "seconds", "+6.6 h"),
        (-0.167, "share of incidents", "−16.7 pts"),
        (1.267, "hours", "+1.27"),
        (None, "seconds", "—"),
    ],
)
def test_a_change_reads_signed_in_its_unit(value, unit, text):
    from metrics.templatetags.metrics_tags import change

    assert change(value, unit) == text
