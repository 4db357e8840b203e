"""Invitations and password reset against a real SMTP server (aiosmtpd, tests/smtp.py)."""

from django.urls import reverse

from org.invitations import invitation_send
from org.models import Invitation, User
from tests.factories import TeamFactory, UserFactory

NEW_PASSWORD = "a-long-enough-passphrase-42"


def _set_password(client, path: str, password: str = NEW_PASSWORD):
    landing = client.get(path)  # Django swaps the token for a session and redirects
    assert landing.status_code == 302
    form_url = landing["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_an_imported_person_is_invited_and_sets_a_password(
    client, api_client, platform_admin, smtp_server, django_capture_on_commit_callbacks
):
    # given a team and an admin who imports one new person
    TeamFactory(slug="sre")
    api_client.force_authenticate(platform_admin)
    rows = [{"email": "Ada@Example.test", "full_name": "Ada L", "team": "sre", "job_role": "sre"}]

    # when the import runs
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(reverse("api-people-import"), {"rows": rows}, format="json")

    # then exactly one invitation arrived over SMTP, to that person, in text and HTML
    assert response.status_code == 202
    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["ada@example.test"]
    assert mail.message["Subject"] == "You are invited to Trellis"
    assert mail.message["From"] == "Trellis <trellis@localhost>"
    path = mail.path_of("/accounts/invitation/")
    assert path in mail.html
    user = User.objects.get(email="ada@example.test")
    assert not user.has_usable_password()
    invitation = Invitation.objects.get(user=user)
    assert invitation.sent_by == platform_admin and invitation.accepted_at is None

    # when they follow the link and choose a password
    done = _set_password(client, path)

    # then they are signed in at home, can sign in again, and the link is spent
    assert done.status_code == 302 and done["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get(reverse("home")).status_code == 302  # to their persona's home
    client.logout()
    assert client.login(username="ada@example.test", password=NEW_PASSWORD)
    client.logout()
    again = client.get(path, follow=True)
    assert b"This invitation link no longer works" in again.content


def test_an_expired_invitation_is_refused_and_an_admin_can_send_it_again(
    db, client, smtp_server, settings
):
    # given an invitation older than the invitation lifetime
    user = UserFactory(email="late@example.test", password=None)
    invitation_send(user=user)
    old_path = smtp_server.received[0].path_of("/accounts/invitation/")
    settings.TRELLIS_INVITATION_TIMEOUT = -1

    # then its link is refused
    assert b"no longer works" in client.get(old_path, follow=True).content

    # when an admin sends it again from the Django admin
    settings.TRELLIS_INVITATION_TIMEOUT = 3600
    superuser = UserFactory(personas=["admin"], is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:org_user_changelist"),
        {"action": "send_invitation", "_selected_action": [user.pk]},
    )
    client.logout()

    # then a second message arrives whose link works
    assert response.status_code == 302
    assert len(smtp_server.to("late@example.test")) == 2
    assert Invitation.objects.filter(user=user).count() == 2
    new_path = smtp_server.received[-1].path_of("/accounts/invitation/")
    assert _set_password(client, new_path).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_reset_answers_alike_for_known_and_unknown_addresses_and_works(
    client, smtp_server, learner
):
    # given the login page links to the reset page
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()

    # when a known and an unknown address ask for a reset
    known = client.post(reverse("password_reset"), {"email": learner.email.upper()})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.test"})

    # then both get the same answer, and only the known address receives mail
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("password_reset_done")
    [mail] = smtp_server.received
    assert mail.rcpt_tos == [learner.email]
    assert mail.message.get_body(("html",)) is not None

    # when the learner follows the link and sets a new password
    path = mail.path_of("/accounts/password/reset/")
    done = _set_password(client, path)

    # then the new password signs in, the old does not, and the link is spent
    assert done["Location"] == reverse("password_reset_complete")
    assert client.login(username=learner.email, password=NEW_PASSWORD)
    assert not client.login(username=learner.email, password="correct-horse-battery")
    client.logout()
    assert b"This link no longer works" in client.get(path, follow=True).content


def test_reset_requests_are_rate_limited_per_address(client, smtp_server, learner, settings):
    # given a limit of two requests a minute
    settings.TRELLIS_AUTH_RATE = "2/min"

    # when a third request comes from the same address
    for _ in range(2):
        assert client.post(reverse("password_reset"), {"email": learner.email}).status_code == 302
    third = client.post(reverse("password_reset"), {"email": learner.email})

    # then it is refused with a message and sends nothing
    assert third.status_code == 200
    assert b"Too many reset requests" in third.content
    assert len(smtp_server.received) == 2
