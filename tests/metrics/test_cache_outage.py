"""The cache is an optimisation: with Redis unreachable, pages compute instead of failing."""

import datetime as dt
import socket

import pytest
from django.core.cache import caches
from django.test import override_settings

from metrics import services
from tests.factories import UserFactory
from tests.metrics.factories import incident


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def redis_down():
    settings = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=settings):  # the cache handler is reset on change
        yield


def test_cache_reads_are_misses_and_writes_are_skipped_when_redis_is_down(redis_down):
    cache = caches["default"]
    cache.set("k", 1)
    assert (cache.get("k"), cache.get("k", "fallback"), cache.get_many(["k"])) == (
        None,
        "fallback",
        {},
    )
    assert cache.add("k", 2) is False


@pytest.mark.django_db
def test_the_impact_api_answers_without_the_cache(api_client, sre, ml, redis_down):
    # given a manager's team with incidents before and after a training start
    manager = UserFactory(personas=["manager"])
    sre.managers.add(manager)
    for day in range(-21, 21):
        when = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC) + dt.timedelta(days=day)
        incident(team=sre, start=when, ttr=600 if day >= 0 else 1200)
        incident(team=ml, start=when, ttr=1200)
    services.rollups_recompute_all()
    api_client.force_authenticate(manager)

    # when the impact report (bootstrap intervals kept in the cache) is asked for
    response = api_client.get(
        "/api/v1/metrics/impact/", {"teams": "sre", "start": "2025-06-02", "window": "21"}
    )

    # then it is computed, not a 500
    assert response.status_code == 200
    mttr = next(r for r in response.json()["rows"] if r["kpi_key"] == "mttr")
    assert mttr["did"]["estimate"] == -600
