"""In-app list, unread count, preferences, nudges, and the reviewer and summary jobs
(Django's in-memory mail outbox; the SMTP round trip is in test_mail_jobs.py)."""

import pytest
from django.urls import reverse

from assessments import notify as review_notify
from assessments import services as assessment_services
from metrics import notify as manager_notify
from metrics import services as metrics_services
from notifications import services
from notifications.models import Kind, Notification, Preference
from tests.assessments.test_reviews_labs_certs import _rubric_attempt
from tests.factories import UserFactory
from tests.notifications.conftest import TODAY, cohort_of

pytestmark = pytest.mark.django_db


def _send(user, title="Hello", subject="s", capture=None, **kw):
    with capture(execute=True):
        return services.notify(
            user=user,
            kind=kw.pop("kind", Kind.NUDGE),
            subject=subject,
            message=services.Message(title=title, lines=["line"], url="/learn/"),
            **kw,
        )


def test_the_header_counts_unread_and_the_list_marks_them_read(
    client, learner, django_capture_on_commit_callbacks
):
    # given two notifications for the learner and one for someone else
    _send(learner, "First", "a", django_capture_on_commit_callbacks)
    _send(learner, "Second", "b", django_capture_on_commit_callbacks)
    _send(UserFactory(), "Not yours", "a", django_capture_on_commit_callbacks)
    client.force_login(learner)

    # then every page's header shows 2 unread, and the list shows both, newest first
    page = client.get(reverse("pathways:learn")).content.decode()
    assert '<span class="badge" id="unread-count">2</span>' in page
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert inbox.index("Second") < inbox.index("First") and "Not yours" not in inbox

    # when they mark all read
    client.post(reverse("notifications:mark_read"))

    # then the count is gone and the entries stay
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert 'id="unread-count"' not in page and "First" in page
    assert Notification.objects.filter(user=learner, read_at__isnull=True).count() == 0


def test_preferences_choose_the_channels_per_kind(
    client, learner, mailoutbox, django_capture_on_commit_callbacks
):
    # given the learner turns off e-mail for nudges and the app for digests
    client.force_login(learner)
    checked = {f"email-{k}": "on" for k in Kind.values if k != Kind.NUDGE}
    checked |= {f"app-{k}": "on" for k in Kind.values if k != Kind.LEARNER_DIGEST}
    assert client.post(reverse("notifications:preferences"), checked).status_code == 302

    # when one of each is sent
    _send(learner, "Nudge", "n", django_capture_on_commit_callbacks, kind=Kind.NUDGE)
    _send(learner, "Digest", "d", django_capture_on_commit_callbacks, kind=Kind.LEARNER_DIGEST)

    # then the nudge is only in the app and the digest only in the mailbox
    assert [n.title for n in Notification.objects.filter(user=learner)] == ["Nudge"]
    assert [m.subject for m in mailoutbox] == ["Digest"]
    assert Preference.objects.get(user=learner, kind=Kind.NUDGE).email is False
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="email-nudge" aria-label="E-mail: Nudges from my manager">' in page


def test_a_bad_unsubscribe_token_changes_nothing(client, learner):
    token = services.unsubscribe_token(user=learner, kind=Kind.NUDGE)
    response = client.post(reverse("notifications:unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 404
    assert not Preference.objects.exists()


def test_a_nudge_is_sent_once_a_day_per_manager(
    manager, learner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.nudge_send(sender=manager, recipient=learner, url="/learn/")
        second = services.nudge_send(sender=manager, recipient=learner, url="/learn/")
    assert (first, second) == (True, False)
    assert [m.to for m in mailoutbox] == [[learner.email]]
    assert mailoutbox[0].subject == f"A nudge from {manager.get_full_name()}"


def test_reviewers_hear_of_their_queue_and_learners_of_their_result(
    learner, author, mailoutbox, django_capture_on_commit_callbacks
):
    # given a capstone submission waiting for review
    attempt = _rubric_attempt(learner, django_capture_on_commit_callbacks)

    # when the daily queue reminder runs twice
    with django_capture_on_commit_callbacks(execute=True):
        sent = [review_notify.review_queue_reminders_send(today=TODAY) for _ in range(2)]

    # then the author got one reminder with the submission in it
    assert sent == [1, 0]
    [reminder] = mailoutbox
    assert reminder.to == [author.email]
    assert reminder.subject == "1 submission waiting for your review"
    assert attempt.assessment.title in reminder.body

    # when the author reviews it and the results job runs twice
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.review_submit(attempt=attempt, reviewer=author, levels=[1, 2])
    with django_capture_on_commit_callbacks(execute=True):
        sent = [review_notify.review_results_send() for _ in range(2)]

    # then the learner got one message with the result
    assert sent == [1, 0]
    result = mailoutbox[-1]
    assert result.to == [learner.email]
    assert "Result: 80.00% (passed)." in result.body


def test_managers_get_one_cohort_summary_a_week(
    team_manager, mailoutbox, django_capture_on_commit_callbacks
):
    cohort, _ = cohort_of(team_manager, ["ada", "bo"], day=45, done=("bo",), modules_done=2)
    metrics_services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        sent = [manager_notify.cohort_summaries_send(today=TODAY) for _ in range(2)]
    assert sent == [1, 0]
    [summary] = mailoutbox
    assert summary.to == ["boss@example.test"]
    assert "On track 1, behind 0, at risk 1." in summary.body


def test_a_manager_nudges_someone_they_manage_and_nobody_else(
    client, team_manager, mailoutbox, django_capture_on_commit_callbacks
):
    # given a learner in the manager's team and a stranger
    _, [ada] = cohort_of(team_manager, ["ada"], day=10)
    stranger = UserFactory()
    client.force_login(team_manager)

    # when the manager nudges both, ada twice
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("notifications:nudge", args=[ada.pk])
        first = client.post(url, {"next": "/dashboards/", "note": "Runbook lab?"})
        again = client.post(url, {"next": "https://evil.example/"})
        refused = client.post(reverse("notifications:nudge", args=[stranger.pk]))

    # then ada got one nudge, the stranger none, and no redirect leaves the site
    assert (first.status_code, first["Location"]) == (302, "/dashboards/")
    assert again["Location"] == reverse("home")
    assert refused.status_code == 404
    assert [m.to for m in mailoutbox] == [["ada@example.test"]]
    assert "Runbook lab?" in mailoutbox[0].body
    assert not Notification.objects.filter(user=stranger).exists()


def test_learners_may_not_nudge(client, learner, manager):
    client.force_login(learner)
    assert client.post(reverse("notifications:nudge", args=[manager.pk])).status_code == 403
