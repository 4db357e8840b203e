"""Learner pages: catalogue by role, enrolment, pathway week by week, module and lab pages."""

import re

import pytest
from django.urls import reverse

from pathways import services
from pathways.models import Enrollment, Pathway
from tests.utils import count_queries

from .factories import (
    EnrollmentFactory,
    LabFactory,
    ModuleFactory,
    PathwayFactory,
    RoleFactory,
    pathway_with_modules,
)


def test_anonymous_visitors_are_sent_to_login(client, db):
    pathway = pathway_with_modules(1, slug="sre")
    module = pathway.modules.get()
    lab = module.labs.get()
    urls = [
        reverse("pathways:catalogue"),
        reverse("pathways:pathway_detail", args=["sre"]),
        reverse("pathways:module_detail", args=["sre", module.slug]),
        reverse("pathways:lab_detail", args=["sre", module.slug, lab.slug]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
    response = client.post(reverse("pathways:pathway_enrol", args=["sre"]))
    assert response.status_code == 302
    assert not Enrollment.objects.exists()


def test_catalogue_groups_the_latest_published_versions_by_role(client, learner):
    sre, data = RoleFactory(slug="sre", name="SRE"), RoleFactory(slug="data", name="Data")
    v1 = PathwayFactory(slug="sre-track", title="SRE track", role=sre, status="archived")
    PathwayFactory(slug="sre-track", version=2, title="SRE track", role=sre)
    PathwayFactory(slug="sre-track", version=3, title="SRE track draft", role=sre, status="draft")
    PathwayFactory(slug="data-track", title="Data track", role=data)
    PathwayFactory(slug="hidden", title="Never published", role=data, status="draft")
    EnrollmentFactory(user=learner, pathway=v1)
    client.force_login(learner)

    html = client.get(reverse("pathways:catalogue")).content.decode()

    assert re.findall(r"<h2 id=\"group-\d\">([^<]+)</h2>", html) == ["Data", "SRE"]
    assert re.findall(r'<h3><a href="/catalogue/([^/]+)/">([^<]+)</a></h3>', html) == [
        ("data-track", "Data track"),
        ("sre-track", "SRE track"),
    ]
    assert "v2" in html and "SRE track draft" not in html and "Never published" not in html
    assert "<strong>Enrolled</strong> (version 1)" in html

    filtered = client.get(reverse("pathways:catalogue"), {"role": "data"}).content.decode()
    assert "Data track" in filtered and "SRE track" not in filtered


def test_pathway_page_is_laid_out_week_by_week(client, learner):
    pathway = PathwayFactory(slug="ops", title="Ops", duration_weeks=10)
    ModuleFactory(pathway=pathway, slug="intro", title="Intro", week_start=1, week_end=2)
    late = ModuleFactory(pathway=pathway, slug="drills", title="Drills", week_start=4, week_end=4)
    LabFactory(module=late, slug="war-game", title="War game")
    client.force_login(learner)

    html = client.get(reverse("pathways:pathway_detail", args=["ops"])).content.decode()

    assert re.findall(r"<h3>Week (\d+)</h3>", html) == [str(n) for n in range(1, 11)]
    week = {n: html.split(f'<li id="week-{n}">')[1].split("</li>\n  \n")[0] for n in (1, 2, 3, 4)}
    assert "Intro" in week[1] and "Continuing" not in week[1]
    assert "Continuing: <a" in week[2] and "Intro" in week[2]
    assert "Catch-up and practice week." in week[3]
    assert 'href="/catalogue/ops/modules/drills/labs/war-game/">War game</a>' in week[4]
    assert "Enrol in this pathway" in html


def test_enrolling_pins_the_version_and_doing_it_again_is_harmless(client, learner):
    pathway = pathway_with_modules(2, slug="sre")
    client.force_login(learner)
    url = reverse("pathways:pathway_enrol", args=["sre"])

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    enrollment = Enrollment.objects.get()
    assert (enrollment.user, enrollment.pathway, enrollment.pathway_slug) == (
        learner,
        pathway,
        "sre",
    )
    assert f"You are enrolled on {pathway.title}." in first.content.decode()
    assert "You were already enrolled (version 1)." in second.content.decode()
    assert "You are enrolled on version 1" in second.content.decode()


def test_enrol_needs_post(client, learner):
    pathway_with_modules(1, slug="sre")
    client.force_login(learner)
    assert client.get(reverse("pathways:pathway_enrol", args=["sre"])).status_code == 405
    assert not Enrollment.objects.exists()


def test_drafts_are_hidden_from_learners_but_authors_can_preview_them(client, learner, author):
    published = pathway_with_modules(1, slug="sre", title="SRE")
    draft = services.pathway_create_draft(pathway=published)
    url = reverse("pathways:pathway_detail", args=["sre"])
    client.force_login(learner)
    assert client.get(url, {"version": draft.version}).status_code == 404
    assert client.get(url, {"version": "abc"}).status_code == 404
    assert client.get(reverse("pathways:pathway_detail", args=["nope"])).status_code == 404

    client.force_login(author)
    preview = client.get(url, {"version": draft.version})
    assert preview.status_code == 200
    assert "Version 2" in preview.content.decode()
    assert "Enrol in this pathway" not in preview.content.decode()


def test_module_and_lab_pages(client, learner):
    pathway = PathwayFactory(slug="sre", title="SRE")
    first = ModuleFactory(pathway=pathway, slug="one", title="One", content="## Why\n\nBecause.")
    ModuleFactory(pathway=pathway, slug="two", title="Two")
    LabFactory(
        module=first,
        slug="build",
        title="Build it",
        instructions="Do **this**.",
        deliverables=["A dashboard", "A runbook"],
        checklist=["Units on panels"],
        artifact_schema="drift-alert-runbook",
    )
    client.force_login(learner)

    module = client.get(reverse("pathways:module_detail", args=["sre", "one"])).content.decode()
    assert "<h2>Why</h2>" in module
    assert "<li>Explain the thing.</li>" in module
    assert 'href="/catalogue/sre/modules/one/labs/build/">Build it</a>' in module
    assert 'rel="next">Two →</a>' in module

    lab = client.get(reverse("pathways:lab_detail", args=["sre", "one", "build"])).content.decode()
    assert "<p>Do <strong>this</strong>.</p>" in lab
    assert "<li>A dashboard</li>" in lab and "<li>A runbook</li>" in lab
    assert 'name="checklist" value="0"> Units on panels' in lab
    assert "self-reported" in lab
    assert "<code>drift-alert-runbook</code>" in lab

    assert client.get(reverse("pathways:module_detail", args=["sre", "x"])).status_code == 404
    assert client.get(reverse("pathways:lab_detail", args=["sre", "one", "x"])).status_code == 404


# --- acceptance 6: constant queries --------------------------------------------------------


@pytest.mark.parametrize("viewer", ["learner", "author"])
def test_pathway_page_queries_do_not_grow_with_modules(client, request, viewer):
    user = request.getfixturevalue(viewer)
    small = pathway_with_modules(5, slug="small", duration_weeks=12)
    large = pathway_with_modules(50, slug="large", duration_weeks=12)
    EnrollmentFactory(user=user, pathway=small)
    EnrollmentFactory(user=user, pathway=large)
    client.force_login(user)
    client.get(reverse("pathways:catalogue"))  # warm the session

    few, small_page = count_queries(
        lambda: client.get(reverse("pathways:pathway_detail", args=["small"]))
    )
    many, large_page = count_queries(
        lambda: client.get(reverse("pathways:pathway_detail", args=["large"]))
    )

    assert small_page.status_code == large_page.status_code == 200
    assert small_page.content.decode().count('class="module-card') == 5
    assert large_page.content.decode().count('class="module-card') == 50
    assert few == many


def test_catalogue_queries_do_not_grow_with_pathways(client, learner):
    for index in range(3):
        pathway_with_modules(2, slug=f"p{index}")
    client.force_login(learner)
    client.get(reverse("pathways:catalogue"))  # reads the signed-in user into the cache
    few, _ = count_queries(lambda: client.get(reverse("pathways:catalogue")))
    for index in range(3, 15):
        pathway_with_modules(2, slug=f"p{index}")
    many, response = count_queries(lambda: client.get(reverse("pathways:catalogue")))
    assert response.content.decode().count("<article>") == 15
    assert few == many


def test_the_navigation_links_to_the_catalogue(client, learner):
    client.force_login(learner)
    html = client.get(reverse("pathways:learn")).content.decode()
    assert f'<a href="{reverse("pathways:catalogue")}">Catalogue</a>' in html


def test_published_pathway_from_another_status_is_not_enrollable(client, learner):
    pathway = pathway_with_modules(1, slug="old", status=Pathway.Status.ARCHIVED)
    client.force_login(learner)
    response = client.post(reverse("pathways:pathway_enrol", args=["old"]))
    assert response.status_code == 404
    assert not Enrollment.objects.filter(pathway=pathway).exists()
