"""Login, persona homes and who may open which page."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.utils import count_queries


@pytest.fixture
def persona_users(learner, author, manager, platform_admin):
    return {"learner": learner, "author": author, "manager": manager, "admin": platform_admin}


def test_anonymous_is_sent_to_login(client, db):
    for name in ["home", "pathways:learn", "pathways:author_home", "metrics:home", "org:platform"]:
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_page_renders_with_labelled_fields(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_login_by_email_is_case_insensitive(client, db):
    UserFactory(email="casey@example.test")
    response = client.post(
        reverse("login"), {"username": "Casey@Example.TEST", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_a_clear_error(client, db):
    UserFactory(email="casey@example.test")
    response = client.post(reverse("login"), {"username": "casey@example.test", "password": "x"})
    assert response.status_code == 200
    assert "That email and password do not match an active account." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("learner", "pathways:learn"),
        ("author", "pathways:author_home"),
        ("manager", "metrics:home"),
        ("admin", "org:platform"),
    ],
)
def test_home_redirects_to_the_persona_home(client, persona_users, persona, home):
    client.force_login(persona_users[persona])
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("learner", {"pathways:learn"}),
        ("author", {"pathways:learn", "pathways:author_home"}),
        ("manager", {"pathways:learn", "metrics:home", "org:team_list"}),
        (
            "admin",
            {
                "pathways:learn",
                "pathways:author_home",
                "metrics:home",
                "org:team_list",
                "org:platform",
            },
        ),
    ],
)
def test_each_persona_reaches_only_its_pages(client, persona_users, persona, allowed):
    client.force_login(persona_users[persona])
    pages = [
        "pathways:learn",
        "pathways:author_home",
        "metrics:home",
        "org:team_list",
        "org:platform",
    ]
    for name in pages:
        response = client.get(reverse(name))
        expected = 200 if name in allowed else 403
        assert response.status_code == expected, (persona, name, response.status_code)


def test_navigation_fits_the_persona(client, persona_users):
    client.force_login(persona_users["learner"])
    html = client.get(reverse("pathways:learn")).content.decode()
    assert "My learning" in html
    assert ">Author<" not in html and ">Dashboards<" not in html and ">Admin<" not in html

    client.force_login(persona_users["admin"])
    html = client.get(reverse("pathways:learn")).content.decode()
    for label in ("My learning", "Author", "Dashboards", "Admin"):
        assert f">{label}<" in html


def test_forbidden_page_is_friendly(client, learner):
    client.force_login(learner)
    response = client.get(reverse("pathways:author_home"))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_missing_page_is_friendly(client, learner):
    client.force_login(learner)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_manager_sees_only_teams_they_manage(client, manager):
    mine = TeamFactory(slug="mine", name="Mine", managers=[manager])
    other = TeamFactory(slug="other", name="Other")
    MembershipFactory(team=mine)
    MembershipFactory(team=other)
    client.force_login(manager)

    listing = client.get(reverse("org:team_list")).content.decode()
    assert "Mine" in listing and "Other" not in listing
    assert client.get(reverse("org:team_detail", args=["mine"])).status_code == 200
    assert client.get(reverse("org:team_detail", args=["other"])).status_code == 404


def test_team_page_queries_do_not_grow_with_the_team(client, manager):
    team = TeamFactory(slug="big", managers=[manager])
    MembershipFactory.create_batch(3, team=team)
    client.force_login(manager)
    url = reverse("org:team_detail", args=["big"])
    client.get(url)  # the first request reads the signed-in user into the cache
    small, _ = count_queries(lambda: client.get(url))
    MembershipFactory.create_batch(40, team=team)
    large, response = count_queries(lambda: client.get(url))
    assert large == small
    assert response.content.decode().count("<tr>") == 44


def test_password_change(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("a-much-longer-passphrase-42")


def test_logout_requires_post_and_ends_the_session(client, learner):
    client.force_login(learner)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
