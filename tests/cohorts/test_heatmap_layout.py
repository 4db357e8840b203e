"""The team heatmap groups its skill columns by category, the category of the most
critical skill first and the most critical skills first inside each."""

from django.urls import reverse
from django.utils import timezone

from pathways.models import Pillar
from pathways.progress import selectors
from tests.factories import (
    MembershipFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    TeamFactory,
)


def test_heatmap_columns_are_grouped_by_category(client, manager):
    role = RoleFactory(slug="sre")
    for slug, pillar, criticality in [
        ("docs", Pillar.COLLABORATION, 2),
        ("slo", Pillar.OBSERVABILITY, 4),
        ("tracing", Pillar.OBSERVABILITY, 3),
        ("kill-switch", Pillar.INCIDENT_RESPONSE, 5),
        ("pairing", Pillar.COLLABORATION, 3),
    ]:
        RoleSkillFactory(
            role=role, skill=SkillFactory(slug=slug, pillar=pillar), criticality=criticality
        )
    team = TeamFactory(slug="sre-team", managers=[manager])
    MembershipFactory(team=team, job_role="sre")

    heatmap = selectors.team_heatmap(team=team, today=timezone.localdate())

    assert [s.slug for s in heatmap.columns] == [
        "kill-switch",
        "slo",
        "tracing",
        "pairing",
        "docs",
    ]
    assert heatmap.groups == [
        ("Incident response", 1),
        ("Observability", 2),
        ("Collaboration and change", 2),
    ]
    client.force_login(manager)
    html = client.get(reverse("pathways:team_heatmap", args=["sre-team"])).content.decode()
    assert '<th scope="colgroup" colspan="2" class="heat-group">Observability</th>' in html
    assert html.count('class="skill-col"') == 5
    assert reverse("pathways:team_heatmap_csv", args=["sre-team"]) in html
