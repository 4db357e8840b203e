"""Small-group suppression: figures over fewer than `METRICS_MIN_GROUP_SIZE` people are
not shown to viewers who may not see those people one by one.

A per-role row of one learner ("1 learner, 9 % completion, at risk") is that person's
progress. For a viewer who cannot see every member of the cohort individually, such
rows are merged into one "Other roles" row, itself hidden when still too small.
"""

from typing import Any

from django.conf import settings
from django.db.models import Exists

from org import access
from pathways.models import CohortMember

OTHER = "Other roles (groups too small to show)"


def hidden_members(*, user: Any, cohort: Any) -> Exists:
    """Whether the cohort (an id, or `OuterRef("pk")` in a query over cohorts) has a
    member `user` may not see one by one: an expression, for one query with others."""
    return Exists(
        CohortMember.objects.filter(cohort_id=cohort).exclude(
            user_id__in=access.people_visible_to(user).values("pk")
        )
    )


def viewer_sees_everyone(*, user: Any, cohort_id: int) -> bool:
    if access.is_admin(user):
        return True
    members = CohortMember.objects.filter(cohort_id=cohort_id).values("user_id")
    hidden = CohortMember.objects.filter(cohort_id=cohort_id).exclude(
        user_id__in=access.people_visible_to(user).filter(pk__in=members).values("pk")
    )
    return not hidden.exists()


def _merge(rows: list[dict[str, Any]]) -> dict[str, Any]:
    learners = sum(r["learners"] for r in rows)
    enrolled = sum(r["enrolled"] for r in rows)
    completed = sum(r["completed"] for r in rows)
    status: dict[str, int] = {}
    for r in rows:
        for key, value in r.get("status_counts", {}).items():
            status[key] = status.get(key, 0) + value
    return {
        "role": OTHER,
        "learners": learners,
        "enrolled": enrolled,
        "completed": completed,
        "completion_share": None if not learners else round(completed / learners, 4),
        "mean_completion_pct": None,
        "status_counts": status,
    }


def suppress(data: dict[str, Any], *, threshold: int | None = None) -> dict[str, Any]:
    """A copy of a cohort snapshot's data without per-role figures of small groups."""
    threshold = settings.METRICS_MIN_GROUP_SIZE if threshold is None else threshold
    roles = data.get("roles", [])
    small = [r for r in roles if r["learners"] < threshold]
    if not small:
        return data
    small_names = {r["role"] for r in small}
    kept = [r for r in roles if r["learners"] >= threshold]
    merged = _merge(small)
    if merged["learners"] >= threshold:
        kept.append(merged)
    return {
        **data,
        "roles": kept,
        "heatmap": [row for row in data.get("heatmap", []) if row["role"] not in small_names],
    }
