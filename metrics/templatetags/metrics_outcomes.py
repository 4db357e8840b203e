"""The pathway page's measured outcomes (`{% pathway_outcome_figures pathway %}`): the
pathways app shows them without importing metrics."""

from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone

from metrics.outcome_figures import pathway_cohort_figures

register = template.Library()


@register.inclusion_tag("metrics/_pathway_outcomes.html", takes_context=True)
def pathway_outcome_figures(context: dict[str, Any], pathway: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"cohorts": []}
    return {
        "cohorts": pathway_cohort_figures(
            user=user, pathway_slug=pathway.slug, today=timezone.localdate()
        ),
        "min_group": settings.METRICS_MIN_GROUP_SIZE,
    }
