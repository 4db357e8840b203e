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


def test_the_okr_page_rounds_figures_and_names_the_kpi(client, manager):
    import datetime as dt

    from django.urls import reverse

    from metrics import services
    from metrics.models import KeyResult

    objective = services.objective_create(
        title="Spend less time on cleanup",
        starts_on=dt.date(2025, 4, 1),
        deadline=dt.date(2025, 9, 30),
    )
    result = services.key_result_create(
        objective=objective,
        description="Halve cleanup hours",
        kpi_key="cleanup_hours",
        baseline_value=Decimal(300),
        target_value=Decimal(150),
    )
    KeyResult.objects.filter(pk=result.pk).update(current_value=Decimal("160.665"), current_n=7)
    client.force_login(manager)
    html = client.get(reverse("metrics:okrs")).content.decode()
    assert "160.7 hours" in html and "160.665" not in html
    assert "measured: Manual cleanup hours," in html
    assert "cleanup_hours (value)" not in html
