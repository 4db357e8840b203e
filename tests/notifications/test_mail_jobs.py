"""Notification jobs against a real SMTP server (aiosmtpd): each message arrives once, to
the right person, with working links and a one-click unsubscribe."""

import datetime as dt

import pytest
from django.urls import reverse

from metrics import notify as manager_notify
from metrics import services as metrics_services
from notifications.models import Notification, SentLog
from pathways import reminders
from tests.notifications.conftest import TODAY, cohort_of

# The jobs run outside any transaction, as under Celery: e-mail leaves on commit.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_digest_job_run_twice_sends_one_message_per_person(client, smtp_server, team_manager):
    # given day 10 of a cohort: ada and bo have a module and lab due on day 14, cy is done
    cohort_of(team_manager, ["ada", "bo", "cy"], day=10, done=("cy",))

    # when the weekly digest job runs twice (a retried or duplicated beat job)
    first = reminders.learner_digests_send(today=TODAY)
    second = reminders.learner_digests_send(today=TODAY)

    # then one message reached each person with something due, and nobody else
    assert (first, second) == (2, 0)
    received = smtp_server.received
    assert sorted(r.rcpt_tos[0] for r in received) == ["ada@example.test", "bo@example.test"]
    mail = smtp_server.to("ada@example.test")[0]
    assert mail.message["Subject"] == "Your week in Trellis: 2 due, 0 overdue"
    assert "SRE path module 1 lab 1, due" in mail.text
    assert "SRE path module 1 lab 1" in mail.html
    assert SentLog.objects.filter(kind="learner_digest").count() == 2
    assert SentLog.objects.filter(emailed_at__isnull=True).count() == 0

    # and its link opens the learner's page once signed in
    path = mail.path_of("/learn")
    client.force_login(_user("ada@example.test"))
    assert client.get(path).status_code == 200


def test_one_click_unsubscribe_stops_that_kind_of_mail_only(client, smtp_server, team_manager):
    # given a digest that reached ada
    cohort_of(team_manager, ["ada"], day=10)
    reminders.learner_digests_send(today=TODAY)
    [mail] = smtp_server.received
    unsubscribe = mail.message["List-Unsubscribe"].strip().strip("<>")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # when her mail client makes the RFC 8058 one-click POST (no session, no CSRF token)
    path = unsubscribe.removeprefix("http://trellis.example.test")
    response = client.post(path, {"List-Unsubscribe": "One-Click"})

    # then the next week's digest is only in the app, while overdue alerts still e-mail her
    assert response.status_code == 200
    next_week = TODAY + dt.timedelta(days=7)
    assert reminders.learner_digests_send(today=next_week) == 1
    assert len(smtp_server.received) == 1
    assert Notification.objects.filter(user__email="ada@example.test").count() == 2
    assert reminders.overdue_alerts_send(today=next_week) == 1
    [alert] = smtp_server.received[1:]
    assert alert.message["Subject"] == "Overdue: SRE path module 1 and 1 more"


def test_a_manager_gets_one_alert_when_a_learner_turns_at_risk(smtp_server, team_manager):
    # given a cohort whose snapshot on day 6 has nobody at risk
    cohort, _ = cohort_of(team_manager, ["ada", "bo"], day=45, done=("bo",), modules_done=2)
    start = cohort.start_date
    metrics_services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=start + dt.timedelta(5))
    assert manager_notify.at_risk_alerts_send() == 0

    # when on day 45 ada (nothing started) is at risk and the job runs on every refresh
    metrics_services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    sent = [manager_notify.at_risk_alerts_send() for _ in range(3)]

    # then her manager got exactly one alert, naming her, linking to the cohort dashboard
    assert sent == [1, 0, 0]
    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["boss@example.test"]
    assert mail.message["Subject"] == f"Ada is at risk in {cohort.name}"
    assert "nothing started after 14 days" in mail.text
    assert mail.path_of("/dashboards/") == reverse("metrics:cohort", args=[cohort.pk])
    assert Notification.objects.get(user=team_manager).kind == "at_risk"


def _user(email):
    from org.models import User

    return User.objects.get(email=email)
