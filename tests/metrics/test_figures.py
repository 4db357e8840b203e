from decimal import Decimal

import pytest

from metrics.templatetags.metrics_tags import figure, kpi_name


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("160.665"), "160.7"),
        (Decimal("12.000000"), "12"),
        (Decimal("0.054"), "0.05"),
        (Decimal("-3.456"), "-3.46"),
        (Decimal("100"), "100"),
        (None, "—"),
    ],
)
def test_key_result_figures_read_as_people_write_them(value, text):
    assert figure(value) == text


def test_a_kpi_is_named_not_keyed():
    assert kpi_name("cleanup_hours") == "Manual cleanup hours"
    assert kpi_name("not-a-kpi") == "not-a-kpi"
