"""Per-role cohort figures over fewer than 5 people are hidden from viewers who may not
see those people one by one."""

from django.urls import reverse

from metrics import services, small_groups
from tests.metrics.test_cohort_dashboard import TODAY, populate

ROLE = "Site reliability engineer"


def _training(api_client, user, cohort):
    api_client.force_authenticate(user)
    return api_client.get("/api/v1/metrics/training/", {"cohort": cohort.pk}).json()


def test_a_group_of_four_is_hidden_from_an_author(
    api_client, client, sponsor, catalogue, author, platform_admin
):
    # given a cohort of 4 SREs managed by the sponsor
    _, cohort = populate(sponsor, catalogue, 4, done_first=1)
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)

    # when an author (who may not see them one by one) reads the figures
    body = _training(api_client, author, cohort)
    client.force_login(author)
    html = client.get(reverse("metrics:cohort", args=[cohort.pk])).content.decode()

    # then there is no per-role row or heatmap row for the group of four
    assert body["roles"] == [] and body["heatmap"] == []
    assert ROLE not in html
    # but the cohort-wide figures are still there
    assert body["learners"] == 4
    # while the sponsor, who manages all four, and an admin see the row
    for viewer in (sponsor, platform_admin):
        rows = _training(api_client, viewer, cohort)["roles"]
        assert [(r["role"], r["learners"]) for r in rows] == [(ROLE, 4)]


def test_the_threshold_is_a_setting(api_client, sponsor, catalogue, author, settings):
    settings.METRICS_MIN_GROUP_SIZE = 4
    _, cohort = populate(sponsor, catalogue, 4)
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    rows = _training(api_client, author, cohort)["roles"]
    assert [(r["role"], r["learners"]) for r in rows] == [(ROLE, 4)]


def test_small_groups_are_merged_into_other_when_that_is_large_enough():
    rows = [
        {"role": "A", "learners": 3, "enrolled": 3, "completed": 1, "status_counts": {"x": 3}},
        {"role": "B", "learners": 2, "enrolled": 2, "completed": 2, "status_counts": {"x": 2}},
        {"role": "C", "learners": 9, "enrolled": 9, "completed": 0, "status_counts": {}},
    ]
    data = {"roles": rows, "heatmap": [{"role": "A"}, {"role": "C"}]}
    shown = small_groups.suppress(data, threshold=5)
    assert [(r["role"], r["learners"], r["completed"]) for r in shown["roles"]] == [
        ("C", 9, 0),
        (small_groups.OTHER, 5, 3),
    ]
    assert shown["heatmap"] == [{"role": "C"}]
