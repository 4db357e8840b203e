"""Fixtures shared by the whole suite: persona users, API clients, browser launch."""

import os

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("TRELLIS_CHROMIUM", "/usr/bin/chromium")
PROMETHEUS = os.environ.get("TRELLIS_PROMETHEUS", "/usr/bin/prometheus")

# CI runs property tests on a fixed sequence of examples so a run's verdict never
# depends on luck; developers explore fresh examples on every run.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Skip tests whose real dependencies are absent, saying which and how to run them."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(settings.REDIS_URL)
    has_chromium = os.path.exists(CHROMIUM)
    # `make test-pg` and `make test-e2e` set this: there a missing service is an error.
    required = os.environ.get("TRELLIS_REQUIRE_SERVICES") == "1"
    for item in items:
        if "worker" in item.keywords and not (on_postgres and has_redis):
            reason = "needs DATABASE_URL (PostgreSQL) and REDIS_URL: make test-pg"
        elif "postgres" in item.keywords and not on_postgres:
            reason = "needs DATABASE_URL (PostgreSQL): make test-pg"
        elif "e2e" in item.keywords and not has_chromium:
            reason = f"needs {CHROMIUM}: make test-e2e"
        elif "prometheus" in item.keywords and not os.path.exists(PROMETHEUS):
            reason = f"needs {PROMETHEUS} (Debian's prometheus package): make system-deps"
        else:
            continue
        if required:
            raise pytest.UsageError(f"{item.nodeid} {reason}, but the run requires it")
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters of one test never reach the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def learner(db):
    from tests.factories import UserFactory

    return UserFactory(personas=["learner"])


@pytest.fixture
def author(db):
    from tests.factories import UserFactory

    return UserFactory(personas=["learner", "author"])


@pytest.fixture
def manager(db):
    from tests.factories import UserFactory

    return UserFactory(personas=["learner", "manager"])


@pytest.fixture
def platform_admin(db):
    from tests.factories import UserFactory

    return UserFactory(personas=["learner", "admin"], is_staff=True)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port; Django's mail goes to it over SMTP."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.TRELLIS_BASE_URL = "http://trellis.example.test"
    try:
        yield server
    finally:
        server.stop()
