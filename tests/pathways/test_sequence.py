"""The learner's path as one sequence: module page, lab page submission, earned
completion, state on the week page and links from "My learning"."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Assessment, Attempt, QuestionType
from assessments.services import certifications_update
from pathways import services
from pathways.exceptions import PathwayError
from pathways.models import CertificationAward, Progress
from tests.assessments.factories import AssessmentFactory, CertificationFactory, quiz_with
from tests.utils import count_queries

from .factories import (
    EnrollmentFactory,
    LabFactory,
    ModuleFactory,
    PathwayFactory,
    pathway_with_modules,
)

BROKEN = "title: Drift alarms\nservice: search\nalerts:\n  - name: drift\n    threshold: high\n"
GOOD = """\
title: Drift alarms for support search
service: support-search
owners:
  - {name: ml-platform, role: primary, contact: "#ml-platform-oncall"}
alerts:
  - name: query embedding drift
    metric: embedding_cosine_drift
    threshold: 0.15
    window: 1h
    severity: page
    owner: ml-platform
steps:
  - Compare this hour's query sample with last week's reference sample.
rollback: Pin the previous embedding model version in the serving config.
"""


@pytest.fixture
def path(learner):
    """A pathway whose author order contradicts weeks: the learner meets weeks 1, 2, 3."""
    pathway = PathwayFactory(slug="sre", duration_weeks=12)
    first = ModuleFactory(
        pathway=pathway, slug="one", title="One", order=1, week_start=1, week_end=1
    )
    third = ModuleFactory(
        pathway=pathway, slug="three", title="Three", order=2, week_start=3, week_end=3
    )
    second = ModuleFactory(
        pathway=pathway, slug="two", title="Two", order=3, week_start=2, week_end=2
    )
    lab = LabFactory(
        module=first,
        slug="build",
        artifact_schema="drift-alert-runbook",
        checklist=["Alert rules are in version control", "Dashboards link to the runbook"],
    )
    quiz, _ = quiz_with([QuestionType.SINGLE], slug="one-quiz", module=first, pass_mark=50)
    check = AssessmentFactory(
        slug="build-check", kind=Assessment.Kind.LAB_CHECK, lab=lab, pass_mark=80
    )
    enrollment = EnrollmentFactory(user=learner, pathway=pathway)
    return {
        "pathway": pathway,
        "modules": (first, second, third),
        "lab": lab,
        "quiz": quiz,
        "check": check,
        "enrollment": enrollment,
    }


def test_module_page_is_a_sequence_in_week_order(client, learner, path):
    client.force_login(learner)

    html = client.get(reverse("pathways:module_detail", args=["sre", "one"])).content.decode()

    assert (
        html.index("1. Read") < html.index("2. Check what you learnt") < html.index("3. Practise")
    )
    assert f'action="{reverse("assessments:start", args=["one-quiz"])}"' in html
    assert "Passing the quiz completes this module." in html
    assert "Mark as done" not in html
    assert 'href="/catalogue/sre/modules/two/" rel="next">Two →</a>' in html  # week 2, not order 2
    second = client.get(reverse("pathways:module_detail", args=["sre", "two"])).content.decode()
    assert 'rel="prev">← One</a>' in second and "Three →</a>" in second


def test_module_page_queries_do_not_grow_with_modules(client, learner):
    small = pathway_with_modules(5, slug="small", duration_weeks=12)
    large = pathway_with_modules(50, slug="large", duration_weeks=12)
    EnrollmentFactory(user=learner, pathway=small)
    EnrollmentFactory(user=learner, pathway=large)
    client.force_login(learner)
    client.get(reverse("pathways:learn"))  # warm the session

    def page(pathway):
        module = pathway.modules.order_by("order").first()
        return lambda: client.get(
            reverse("pathways:module_detail", args=[pathway.slug, module.slug])
        )

    few, small_page = count_queries(page(small))
    many, large_page = count_queries(page(large))

    assert small_page.status_code == large_page.status_code == 200
    assert few == many


def test_publishing_refuses_an_order_that_goes_back_in_weeks(db):
    pathway = PathwayFactory(slug="draft", status="draft")
    ModuleFactory(
        pathway=pathway, title="Late", order=1, week_start=7, week_end=9, objectives=["a", "b"]
    )
    ModuleFactory(
        pathway=pathway, title="Early", order=2, week_start=4, week_end=6, objectives=["a", "b"]
    )

    with pytest.raises(PathwayError, match="Module “Early”: it starts in week 4 but comes after"):
        services.pathway_publish(pathway=pathway)
    pathway.refresh_from_db()
    assert pathway.status == "draft"


def test_mark_as_done_is_refused_where_a_check_decides(client, learner, path):
    first, second, _ = path["modules"]
    client.force_login(learner)
    mark = reverse("pathways:progress_mark")

    client.post(mark, {"kind": "module", "item": first.pk, "status": "done"})
    client.post(mark, {"kind": "lab", "item": path["lab"].pk, "status": "done"})
    client.post(mark, {"kind": "module", "item": second.pk, "status": "done"})

    done = set(Progress.objects.filter(status="done").values_list("module__slug", "lab__slug"))
    assert done == {("two", None)}
    week = client.get(reverse("pathways:pathway_detail", args=["sre"])).content.decode()
    assert 'data-state="done">Done</span> <span class="badge">Self-reported</span>' in week


def test_check_my_file_lists_every_failure_and_uses_no_attempt(client, learner, path):
    client.force_login(learner)
    url = reverse("assessments:lab_check_file", args=[path["lab"].pk])

    response = client.post(url, {"artifact_text": BROKEN}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "no attempt was used" in html
    assert "<li>owners: Field required</li>" in html
    assert "<li>alerts.0.threshold: Input should be a valid number" in html
    assert "<li>steps: Field required</li>" in html
    assert not Attempt.objects.exists()
    upload = SimpleUploadedFile("runbook.yaml", GOOD.encode())
    good = client.post(url, {"artifact": upload}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-check="passed"' in good
    assert not Attempt.objects.exists()


def test_lab_submitted_on_its_page_is_scored_and_completes_the_lab(
    client, learner, path, django_capture_on_commit_callbacks
):
    lab = path["lab"]
    client.force_login(learner)
    checklist = reverse("pathways:lab_checklist", args=["sre", "one", "build"])
    refused = client.post(checklist, {"checklist": ["7"]}, HTTP_HX_REQUEST="true")
    assert "A ticked checklist item does not exist." in refused.content.decode()
    saved = client.post(checklist, {"checklist": ["0", "1"]}, HTTP_HX_REQUEST="true")
    assert "Checklist saved." in saved.content.decode()
    assert Progress.objects.get(lab=lab).checklist == [0, 1]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments:lab_submit", args=[lab.pk]), {"artifact_text": GOOD}
        )

    attempt = Attempt.objects.get(assessment=path["check"], user=learner)
    assert response["Location"] == reverse("assessments:attempt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == "scored" and attempt.score.passed
    assert attempt.responses.get(kind="checklist").answer == [0, 1]
    assert Progress.objects.get(lab=lab).status == "done"
    page = client.get(reverse("pathways:lab_detail", args=["sre", "one", "build"])).content.decode()
    assert 'data-state="done">Done</span>' in page and "Passed" in page


def test_self_marked_lab_does_not_count_where_evidence_is_required(db, learner):
    pathway = PathwayFactory(slug="p")
    lab = LabFactory(module=ModuleFactory(pathway=pathway), slug="no-check")
    enrollment = EnrollmentFactory(user=learner, pathway=pathway)
    Progress.objects.create(enrollment=enrollment, lab=lab, status="done")
    CertificationFactory(
        slug="evidence", criteria={"labs": ["no-check"], "requires_evidence": True}
    )
    CertificationFactory(slug="lenient", criteria={"labs": ["no-check"]})

    certifications_update(user_id=learner.pk)

    assert set(
        CertificationAward.objects.filter(user=learner).values_list(
            "certification__slug", flat=True
        )
    ) == {"lenient"}


def test_learn_links_every_item_and_resumes_at_the_next_one(client, learner, path):
    client.force_login(learner)
    first = path["modules"][0]

    html = client.get(reverse("pathways:learn")).content.decode()

    go = reverse("pathways:item_go", args=["module", first.pk])
    assert f'<a role="button" href="{go}">Start' in html
    response = client.get(go)
    assert response["Location"] == reverse("pathways:module_detail", args=["sre", "one"])
    lab_go = client.get(reverse("pathways:item_go", args=["lab", path["lab"].pk]))
    assert lab_go["Location"] == reverse("pathways:lab_detail", args=["sre", "one", "build"])
    week = client.get(reverse("pathways:pathway_detail", args=["sre"])).content.decode()
    assert week.index('id="you-are-here"') > week.index(f'id="module-{first.pk}"')
    assert week.count('data-state="not_started">Not yet due</span>') == 4  # 3 modules, 1 lab


def test_a_certificate_on_my_learning_opens(client, learner):
    award = CertificationAward.objects.create(
        certification=CertificationFactory(name="Observability"), user=learner
    )
    client.force_login(learner)

    response = client.get(reverse("assessments:my_certificate", args=[award.pk]), follow=True)

    assert response.status_code == 200
    assert "Observability" in response.content.decode()
