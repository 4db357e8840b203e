"""The audit log (django-auditlog): who changed what, before and after, and the events
that are not row changes; the admin list with filters and its CSV export."""

import csv
import io

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from assessments import services as assessment_services
from org import services as org_services
from org.models import Membership
from pathways import services as pathway_services
from pathways.models import Pathway, SkillRating
from pathways.progress import services as progress_services
from tests.assessments.test_reviews_labs_certs import _rubric_attempt
from tests.cohorts.factories import SkillFactory
from tests.factories import MembershipFactory, UserFactory
from tests.pathways.factories import pathway_with_modules


def _entries(model, **filters):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), **filters
    ).order_by("pk")


def test_role_and_membership_changes_in_the_browser_name_the_admin(client, db):
    # given a person in a team and a superuser in the Django admin
    membership = MembershipFactory(job_role="sre")
    person = membership.user
    superuser = UserFactory(personas=["admin"], is_staff=True, is_superuser=True)
    client.force_login(superuser)

    # when the admin changes the person's role in the team through the admin form
    response = client.post(
        reverse("admin:org_membership_change", args=[membership.pk]),
        {
            "user": person.pk,
            "team": membership.team.pk,
            "job_role": "ml-engineer",
            "career_level": "senior",
            "joined_at": membership.joined_at.isoformat(),
        },
    )

    # then one entry records who, the client address and the before/after of each field
    assert response.status_code == 302
    [entry] = _entries(Membership, action=LogEntry.Action.UPDATE)
    assert entry.actor == superuser
    assert entry.remote_addr == "127.0.0.1"
    assert entry.changes == {"job_role": ["sre", "ml-engineer"], "career_level": ["mid", "senior"]}


def test_persona_changes_are_recorded(db):
    person = UserFactory(personas=["learner"])
    before = LogEntry.objects.count()
    org_services.user_set_personas(user=person, personas=["learner", "manager"])
    entry = _entries(type(person), object_pk=str(person.pk), action=LogEntry.Action.UPDATE).last()
    assert LogEntry.objects.count() > before
    assert entry.changes["groups"]["operation"] == "add"
    assert entry.changes["groups"]["objects"] == ["manager"]


def test_publish_archive_reviews_scores_and_ratings_are_recorded(
    db, author, learner, django_capture_on_commit_callbacks
):
    # given a published pathway version 1 and its draft version 2
    v1 = pathway_with_modules(2, slug="sre")
    v2 = pathway_services.pathway_create_draft(pathway=v1)

    # when v2 is published, a capstone is reviewed and a manager rates a skill
    pathway_services.pathway_publish(pathway=v2)
    attempt = _rubric_attempt(learner, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.review_submit(attempt=attempt, reviewer=author, levels=[1, 2])
    progress_services.rating_create(person=learner, skill=SkillFactory(), level=3, source="self")

    # then each is in the log with its before/after
    assert [e.changes for e in _entries(Pathway, action=LogEntry.Action.UPDATE)] == [
        {"status": ["draft", "published"]},
        {"status": ["published", "archived"]},
    ]
    from assessments.models import Review

    [review] = _entries(Review, action=LogEntry.Action.CREATE)
    assert review.changes["levels"][1] == "[1, 2]"
    assert review.changes["points"] == ["None", "8"]
    [rating] = _entries(SkillRating, action=LogEntry.Action.CREATE)
    assert rating.changes["level"] == ["None", "3"]


def test_failed_sign_ins_and_issued_tokens_are_recorded_without_passwords(
    client, api_client, learner
):
    # when someone fails to sign in on the page and then gets an API token
    client.post(reverse("login"), {"username": learner.email, "password": "wrong-guess"})
    client.post(reverse("login"), {"username": "ghost@example.test", "password": "x"})
    api_client.post(
        reverse("api-token"), {"email": learner.email, "password": "correct-horse-battery"}
    )

    # then both failures and the token are in the log, and no password anywhere
    failed = LogEntry.objects.filter(additional_data__event="sign_in_failed").order_by("pk")
    assert [(e.additional_data["email"], e.additional_data["known_account"]) for e in failed] == [
        (learner.email, True),
        ("ghost@example.test", False),
    ]
    assert failed[0].object_pk == str(learner.pk) and failed[0].remote_addr == "127.0.0.1"
    [token] = LogEntry.objects.filter(additional_data__event="token_issued")
    assert token.actor == learner
    assert not LogEntry.objects.filter(changes__icontains="wrong-guess").exists()
    assert not LogEntry.objects.filter(additional_data__icontains="wrong-guess").exists()


def test_platform_admins_filter_the_log_and_download_it_as_csv(client, learner, platform_admin):
    # given two failed sign-ins and one persona change
    for _ in range(2):
        client.post(reverse("login"), {"username": learner.email, "password": "nope"})
    org_services.user_set_personas(user=learner, personas=["learner", "author"])

    # when a platform admin filters the admin list by event and downloads the CSV
    client.force_login(platform_admin)
    listing = client.get(reverse("admin:auditlog_logentry_changelist"), {"event": "sign_in_failed"})
    export = client.get(reverse("admin:auditlog_logentry_export"), {"event": "sign_in_failed"})

    # then both show exactly the two failures
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    assert 'id="audit-csv"' in listing.content.decode()
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["event"], r["object"]) for r in rows] == [
        ("sign_in_failed", f"sign-in failed for {learner.email}")
    ] * 2
    everything = client.get(reverse("admin:auditlog_logentry_export"))
    assert {"change", "sign_in_failed"} <= {
        r["event"] for r in csv.DictReader(io.StringIO(everything.content.decode()))
    }


def test_only_platform_admins_see_the_log(client, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code in (302, 403)
    assert client.get(reverse("admin:auditlog_logentry_export")).status_code in (302, 403)
