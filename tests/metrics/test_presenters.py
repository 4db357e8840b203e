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
