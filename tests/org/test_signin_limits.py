"""Sign-in limits on every way in: login page, API token, admin login (django-axes)."""

import pytest

from tests.factories import UserFactory

LIMIT = 5
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.TRELLIS_NUM_PROXIES = 0


def _page(client, url, email, password, **extra):
    return client.post(url, {"username": email, "password": password}, **extra)


def _api(api_client, email, password, **extra):
    return api_client.post(TOKEN, {"email": email, "password": password}, format="json", **extra)


def _attempts_until_refused(send, tries=30):
    """How many wrong passwords are answered as such before the lock-out answer (429)."""
    for n in range(tries):
        if send(n).status_code == 429:
            return n
    return tries


def test_admin_login_is_limited_after_the_same_failures_as_the_login_page(client, db):
    # given a staff account and an ordinary one
    admin = UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    UserFactory(email="lee@example.test")

    # when each is guessed at, the admin one on /admin/login/ from another address
    page = _attempts_until_refused(
        lambda n: _page(client, LOGIN, "lee@example.test", f"guess{n}", REMOTE_ADDR="10.0.0.1")
    )
    admin_site = _attempts_until_refused(
        lambda n: _page(client, ADMIN_LOGIN, admin.email, f"guess{n}", REMOTE_ADDR="10.0.0.2")
    )

    # then both are refused at the same count, and the right password no longer gets in
    assert page == admin_site == LIMIT - 1
    right = _page(client, ADMIN_LOGIN, admin.email, "correct-horse-battery", REMOTE_ADDR="10.0.0.2")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("way", ["page", "api"])
def test_spoofed_forwarded_for_is_limited_at_the_same_count(client, api_client, db, way):
    # given the default: no trusted proxies
    UserFactory(email="lee@example.test")

    def send(email, n, spoof):
        extra = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"} if spoof else {}
        if way == "page":
            return _page(client, LOGIN, email, f"guess{n}", **extra)
        return _api(api_client, email, f"guess{n}", **extra)

    # when 25 guesses each claim another address (for different accounts, so only the
    # per-address count can stop them) and, separately, 25 plain guesses are made
    spoofed = _attempts_until_refused(lambda n: send(f"spoof{n}@example.test", n, True), 25)
    from axes.utils import reset

    reset()
    plain = _attempts_until_refused(lambda n: send(f"plain{n}@example.test", n, False), 25)

    # then both are stopped at the same count
    assert spoofed == plain == LIMIT - 1


def test_one_account_is_locked_across_addresses_with_a_clear_wait(api_client, db):
    UserFactory(email="lee@example.test")

    # when the same account is guessed at from a new address each time
    refused_at = _attempts_until_refused(
        lambda n: _api(api_client, "lee@example.test", f"guess{n}", REMOTE_ADDR=f"10.1.0.{n}")
    )

    # then it is locked, and even the right password from a fresh address waits
    assert refused_at == LIMIT - 1
    response = _api(api_client, "LEE@example.test", "correct-horse-battery", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 15 * 60
    assert response.json() == {
        "detail": "Too many failed sign-in attempts for this account or from your address. "
        "Try again in 15 minutes.",
        "code": "locked_out",
    }
    # and another account from yet another address is unaffected
    UserFactory(email="sam@example.test")
    other = _api(api_client, "sam@example.test", "correct-horse-battery", REMOTE_ADDR="10.9.9.8")
    assert other.status_code == 200


def test_the_login_page_says_how_long_to_wait(client, db):
    UserFactory(email="lee@example.test")
    for n in range(LIMIT - 1):
        page = _page(client, LOGIN, "lee@example.test", f"guess{n}")
        assert "do not match an active account" in page.content.decode()
    assert _page(client, LOGIN, "lee@example.test", "guess").status_code == 429

    page = _page(client, LOGIN, "lee@example.test", "correct-horse-battery")

    assert page.status_code == 429
    assert "Try again in 15 minutes." in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_trusted_proxies_the_forwarded_client_is_counted(api_client, db, settings):
    # given one trusted proxy, whose address is the socket peer
    settings.TRELLIS_NUM_PROXIES = 1
    for n in range(LIMIT):
        UserFactory(email=f"p{n}@example.test")

    # when one client behind it fails for different accounts, prefixing fake addresses
    def send(n):
        forwarded = f"198.51.100.{n}, 192.0.2.7"
        return _api(
            api_client,
            f"p{n}@example.test",
            "wrong",
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    # then the address the proxy saw (the last entry) is locked, other clients are not
    assert _attempts_until_refused(send) == LIMIT - 1
    other = _api(
        api_client,
        "p0@example.test",
        "correct-horse-battery",
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="192.0.2.8",
    )
    assert other.status_code == 200
