"""The signed-in user, their personas and their unread count are read from the cache
(`org.principal`) while their stamps are current: a repeat page makes no query for them,
and every change to what they are read from shows on the very next request."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from config import stamps
from notifications.models import Kind, Notification
from notifications.services import notifications_mark_read
from org import principal, services
from org.models import Persona, User
from tests.factories import TeamFactory, UserFactory
from tests.metrics.test_cache_outage import redis_down  # noqa: F401
from tests.utils import count_queries

pytestmark = pytest.mark.django_db

LEARN = "/learn/"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(LEARN).status_code == 200  # reads the user into the cache
    return client


def header(client: Client) -> str:
    response = client.get(LEARN)
    assert response.status_code == 200
    return response.content.decode().split("</header>")[0]


def test_a_repeat_page_reads_nothing_from_the_database(learner):
    client = signed_in(learner)

    used, response = count_queries(lambda: client.get(LEARN))

    # session, user, personas, unread count and the page's fragments: all from the cache
    assert response.status_code == 200
    assert used == 0


def test_a_new_persona_shows_on_the_next_request(learner):
    client = signed_in(learner)
    assert ">Author<" not in header(client)
    assert client.get(reverse("pathways:author_home")).status_code == 403

    services.user_set_personas(user=learner, personas=[Persona.LEARNER, Persona.AUTHOR])

    assert ">Author<" in header(client)
    assert client.get(reverse("pathways:author_home")).status_code == 200


def test_a_persona_taken_away_is_refused_on_the_next_request(author):
    client = signed_in(author)
    assert client.get(reverse("pathways:author_home")).status_code == 200

    author.groups.remove(Group.objects.get(name=Persona.AUTHOR))

    assert client.get(reverse("pathways:author_home")).status_code == 403
    assert ">Author<" not in header(client)


def test_a_persona_group_deleted_is_seen_by_everyone_in_it(author):
    client = signed_in(author)

    Group.objects.filter(name=Persona.AUTHOR).delete()

    assert client.get(reverse("pathways:author_home")).status_code == 403


def test_a_new_password_ends_the_other_sessions_at_once(learner):
    client = signed_in(learner)

    learner.set_password("a-new-long-password-1")
    learner.save(update_fields=["password"])

    response = client.get(LEARN)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_deactivation_ends_the_session_and_its_cached_copy(learner):
    client = signed_in(learner)
    session_key = client.session.session_key

    services.user_deactivate(user=learner)

    response = client.get(LEARN)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import cache

    assert cache.get(KEY_PREFIX + session_key) is None


def test_a_name_change_shows_in_the_header_at_once(learner):
    client = signed_in(learner)

    learner.full_name = "Zebedee Quill"
    learner.save()

    assert "Zebedee" in header(client)


def test_a_rename_by_people_import_shows_at_once(learner, django_capture_on_commit_callbacks):
    TeamFactory(slug="sre")
    client = signed_in(learner)
    rows = [
        {"email": learner.email, "full_name": "Ottoline Brisk", "team": "sre", "job_role": "sre"}
    ]

    with django_capture_on_commit_callbacks(execute=True):
        services.people_import_create(rows=rows, created_by=None)

    assert "Ottoline" in header(client)


def test_the_unread_count_follows_new_and_read_notifications(learner):
    client = signed_in(learner)
    assert 'id="unread-count"' not in header(client)

    Notification.objects.create(user=learner, kind=Kind.NUDGE, title="Keep going")
    Notification.objects.create(user=learner, kind=Kind.NUDGE, title="Again")
    assert 'id="unread-count">2<' in header(client)

    first = Notification.objects.filter(user=learner).first()
    notifications_mark_read(user=learner, ids=[first.pk])
    assert 'id="unread-count">1<' in header(client)

    notifications_mark_read(user=learner)  # an update: no signals
    assert 'id="unread-count"' not in header(client)

    Notification.objects.create(user=learner, kind=Kind.NUDGE, title="Once more")
    Notification.objects.filter(user=learner, read_at__isnull=True).delete()
    assert 'id="unread-count"' not in header(client)


def test_another_users_notifications_do_not_change_my_count(learner):
    other = UserFactory(personas=["learner"])
    client = signed_in(learner)

    Notification.objects.create(user=other, kind=Kind.NUDGE, title="Not yours")

    assert 'id="unread-count"' not in header(client)


def test_two_people_never_see_each_others_cached_entry(learner):
    other = UserFactory(personas=["learner", "manager"], full_name="Marguerite Other")
    learner.full_name = "Leopold Own"
    learner.save()
    mine, theirs = signed_in(learner), signed_in(other)

    for _ in range(2):
        assert "Leopold" in header(mine) and "Marguerite" not in header(mine)
        assert "Marguerite" in header(theirs) and ">Dashboards<" in header(theirs)
        assert ">Dashboards<" not in header(mine)


def test_an_entry_kept_for_another_user_id_is_not_used(learner):
    """Defence in depth: an entry whose user is not the session's is read afresh."""
    other = UserFactory(personas=["learner"], full_name="Wrong Person")
    client = signed_in(learner)
    from django.core.cache import cache

    entry = cache.get(principal.KEY.format(learner.pk))
    entry["user"] = other
    cache.set(principal.KEY.format(learner.pk), entry)

    assert "Wrong" not in header(client)


def test_without_the_cache_the_user_is_read_from_the_database(learner, monkeypatch):
    client = signed_in(learner)
    monkeypatch.setattr(stamps, "prefetch", lambda names, keys=(): None)
    monkeypatch.setattr(stamps, "current", lambda *names: None)
    Notification.objects.create(user=learner, kind=Kind.NUDGE, title="Counted")

    used, response = count_queries(lambda: client.get(LEARN))

    assert response.status_code == 200
    assert 'id="unread-count">1<' in response.content.decode()
    assert used >= 3  # user, personas, unread count (and the page)


def test_signing_in_and_pages_work_with_redis_down(learner, redis_down):  # noqa: F811
    from django.core.cache import cache

    assert "anything" not in cache  # a miss, not an error (the session engine asks)
    client = Client()
    client.force_login(learner)  # makes a cached_db session

    response = client.get(LEARN)

    assert response.status_code == 200
    assert learner.get_short_name() in response.content.decode().split("</header>")[0]


def test_a_part_read_for_one_user_is_not_given_to_another(learner, rf):
    """A view that signs someone else in replaces request.user: the parts read with the
    first user are not theirs."""
    other = UserFactory(personas=["learner"])
    Notification.objects.create(user=learner, kind=Kind.NUDGE, title="Mine")
    signed_in(learner)  # learner's unread count (1) is in the cache
    request = rf.get(LEARN)
    client = Client()
    client.force_login(learner)
    request.session = client.session
    request.user = principal.get_user(request)
    assert principal.part(request, "unread", stamps.inbox(learner.pk), lambda: -1) == 1

    request.user = other

    assert principal.part(request, "unread", stamps.inbox(other.pk), lambda: 0) == 0
