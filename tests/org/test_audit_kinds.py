"""One check per kind of audited action, made the way people make it (page or API), so
each entry names who did it, when, on what, and the before/after."""

import csv
import io
import json
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from assessments.models import Review, Score
from assessments.services import review_submit
from org.scim.tokens import scim_token_issue
from pathways import services as pathway_services
from pathways.models import Pathway, SkillRating
from tests.assessments.test_reviews_labs_certs import _rubric_attempt
from tests.factories import SkillFactory
from tests.pathways.factories import pathway_with_modules

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def _entries(model, **filters):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), **filters
    ).order_by("pk")


def _scored_attempt(learner, author, capture):
    """A capstone reviewed 3/10 (pass mark 50 %): scored, not passed."""
    attempt = _rubric_attempt(learner, capture)
    with capture(execute=True):
        review_submit(attempt=attempt, reviewer=author, levels=[0, 1])
    score = Score.objects.get(attempt=attempt)
    assert (score.points, score.passed) == (Decimal("3.00"), False)
    return attempt


def test_a_score_override_records_who_why_and_the_score_before_and_after(
    api_client, learner, author, django_capture_on_commit_callbacks
):
    attempt = _scored_attempt(learner, author, django_capture_on_commit_callbacks)
    api_client.force_authenticate(author)
    url = reverse("api-assessments-score-override", args=[attempt.pk])

    response = api_client.post(url, {"points": "2", "reason": "Copied section 2."}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["points"] == "2.00"
    [entry] = LogEntry.objects.filter(additional_data__event="score_overridden")
    assert entry.actor == author and entry.timestamp is not None
    assert entry.object_pk == str(attempt.pk)
    assert entry.changes == {"points": ["3.00", "2.00"], "percent": ["30.00", "20.00"]}
    assert entry.additional_data["reason"] == "Copied section 2."
    # and the override is the only entry for it (no second, reason-less automatic one)
    assert _entries(Score, action=LogEntry.Action.UPDATE).count() == 1


def test_a_grade_override_records_the_pass_before_and_after(
    api_client, learner, author, django_capture_on_commit_callbacks
):
    attempt = _scored_attempt(learner, author, django_capture_on_commit_callbacks)
    api_client.force_authenticate(author)
    url = reverse("api-assessments-score-override", args=[attempt.pk])

    api_client.post(url, {"points": "6", "reason": "Re-marked on appeal."}, format="json")

    [entry] = LogEntry.objects.filter(additional_data__event="score_overridden")
    assert entry.changes["passed"] == ["False", "True"]
    assert Score.objects.get(attempt=attempt).breakdown["override"]["by"] == author.email


def test_score_overrides_are_refused_to_learners_and_without_a_reason(
    api_client, learner, author, django_capture_on_commit_callbacks
):
    attempt = _scored_attempt(learner, author, django_capture_on_commit_callbacks)
    url = reverse("api-assessments-score-override", args=[attempt.pk])
    api_client.force_authenticate(learner)
    assert api_client.post(url, {"points": "10", "reason": "x"}, format="json").status_code == 403
    api_client.force_authenticate(author)
    assert api_client.post(url, {"points": "11", "reason": "x"}, format="json").status_code == 400
    assert api_client.post(url, {"points": "5", "reason": " "}, format="json").status_code == 400
    assert not LogEntry.objects.filter(additional_data__event="score_overridden").exists()


def test_a_rubric_review_records_the_reviewer_and_levels(
    api_client, learner, author, django_capture_on_commit_callbacks
):
    attempt = _rubric_attempt(learner, django_capture_on_commit_callbacks)
    api_client.force_authenticate(author)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            reverse("api-assessments-review-create", args=[attempt.pk]),
            {"levels": [1, 2], "comment": "Good traces."},
            format="json",
        )
    assert response.status_code == 201
    [entry] = _entries(Review, action=LogEntry.Action.CREATE)
    assert entry.actor == author
    assert entry.changes["levels"] == ["None", "[1, 2]"]
    assert entry.changes["points"] == ["None", "8"]


def test_a_skill_rating_records_who_rated_and_the_level(api_client, learner):
    skill = SkillFactory()
    api_client.force_authenticate(learner)
    response = api_client.post(
        reverse("api-rating-create"),
        {"skill": skill.slug, "level": 3, "source": "self"},
        format="json",
    )
    assert response.status_code == 201, response.content
    [entry] = _entries(SkillRating, action=LogEntry.Action.CREATE)
    assert entry.actor == learner
    assert entry.changes["level"] == ["None", "3"]


def test_publishing_and_archiving_a_curriculum_name_the_author(client, author):
    v1 = pathway_with_modules(1, slug="sre")
    v2 = pathway_services.pathway_create_draft(pathway=v1)
    client.force_login(author)

    client.post(reverse("pathways:author_pathway_publish", args=["sre", v2.version]))
    client.post(reverse("pathways:author_pathway_archive", args=["sre", v2.version]))

    entries = list(_entries(Pathway, action=LogEntry.Action.UPDATE))
    assert [(e.object_pk, e.changes["status"]) for e in entries] == [
        (str(v2.pk), ["draft", "published"]),
        (str(v1.pk), ["published", "archived"]),
        (str(v2.pk), ["published", "archived"]),
    ]
    assert {e.actor for e in entries} == {author}


def test_api_tokens_issued_and_revoked_are_recorded(api_client, learner):
    issued = api_client.post(
        reverse("api-token"), {"email": learner.email, "password": "correct-horse-battery"}
    )
    assert issued.status_code in (200, 201), issued.content
    key = issued.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.delete(reverse("api-token-revoke", args=[key[:15]]))
    assert response.status_code == 204, response.content

    issued_entry, revoked_entry = LogEntry.objects.filter(
        additional_data__event__in=["token_issued", "token_revoked"]
    ).order_by("pk")
    assert issued_entry.additional_data["event"] == "token_issued"
    assert revoked_entry.additional_data["event"] == "token_revoked"
    assert revoked_entry.actor == learner and revoked_entry.object_pk == str(learner.pk)
    assert key not in str(revoked_entry.additional_data)


def test_scim_changes_are_filtered_and_exported_with_the_token_as_actor(client, platform_admin):
    _, key = scim_token_issue(name="Okta", by=platform_admin)
    created = client.post(
        "/scim/v2/Users",
        json.dumps({"schemas": [SCIM_USER], "userName": "fox@example.com"}),
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert created.status_code == 201

    client.force_login(platform_admin)
    listing = client.get(reverse("admin:auditlog_logentry_changelist"), {"event": "scim_request"})
    assert listing.context["cl"].result_count == 1
    export = client.get(reverse("admin:auditlog_logentry_export"), {"event": "change"})
    rows = [
        r
        for r in csv.DictReader(io.StringIO(export.content.decode()))
        if r["object type"] == "org.user" and r["object"] == "fox@example.com"
    ]
    assert rows and all(r["actor"].startswith("SCIM token Okta") for r in rows)
    [created_row] = [r for r in rows if r["action"] == "create"]
    changes = json.loads(created_row["changes (field: [before, after])"])
    assert changes["email"] == ["None", "fox@example.com"]
