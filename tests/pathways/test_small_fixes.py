"""Small errors of the learner's and author's pages: role names on a team page, modules
named with their pathway in the assessment form."""

import pytest
from django.urls import reverse

from assessments.forms import AssessmentForm
from tests.factories import (
    LabFactory,
    MembershipFactory,
    ModuleFactory,
    PathwayFactory,
    RoleFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def test_team_page_names_job_roles(client, manager):
    RoleFactory(slug="sre", name="Site reliability engineer")
    team = TeamFactory(slug="sre", managers=[manager])
    MembershipFactory(team=team, job_role="sre")
    MembershipFactory(team=team, job_role="no-such-role")
    client.force_login(manager)
    html = client.get(reverse("org:team_detail", args=["sre"])).content.decode()
    assert "<td>Site reliability engineer</td>" in html
    assert "<td>sre</td>" not in html
    assert "<td>no-such-role</td>" in html  # a slug with no role is shown as it is


def test_assessment_form_names_modules_and_labs_with_their_pathway():
    first = PathwayFactory(title="SRE track", version=1)
    second = PathwayFactory(title="ML track", version=2)
    ModuleFactory(pathway=first, title="Observability")
    module = ModuleFactory(pathway=second, title="Observability")
    LabFactory(module=module, title="Drift lab")
    form = AssessmentForm()
    modules = [label for value, label in form.fields["module"].choices if value]
    labs = [label for value, label in form.fields["lab"].choices if value]
    assert modules == ["ML track (v2) · Observability", "SRE track (v1) · Observability"]
    assert labs == ["ML track (v2) · Drift lab"]
