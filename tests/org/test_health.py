import pytest
from django.db import connections

from config.celery_app import app as celery_app


def test_healthz_answers_without_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_dependencies_answer(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["failed"] == []


def test_readyz_names_an_unreachable_database(client, db, monkeypatch, settings):
    settings.DEBUG = True
    params = connections.settings["default"]
    if params["ENGINE"].endswith("sqlite3"):
        monkeypatch.setitem(params, "NAME", "/nonexistent-dir/trellis.sqlite3")
    else:
        monkeypatch.setitem(params, "HOST", "127.0.0.1")
        monkeypatch.setitem(params, "PORT", "1")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database"]
    assert "OperationalError" in body["errors"]["database"]


def test_readyz_names_an_unreachable_broker(client, db, monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert "refused" in response.json()["errors"]["broker"].lower()


def test_readyz_keeps_error_text_from_anonymous_callers_without_debug(client, db, monkeypatch):
    # given DEBUG off (as in production) and a broker that refuses connections
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client.get("/readyz")

    # then it names the failed dependency but not the error text
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert "errors" not in body
    assert "refused" not in response.content.decode().lower()


@pytest.mark.worker
def test_readyz_checks_the_real_broker(client, db, monkeypatch, settings):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", settings.REDIS_URL)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["broker"] == "redis"


def test_metrics_exposes_requests_and_tasks(client, learner):
    client.force_login(learner)
    client.get("/learn/")
    body = client.get("/metrics").content.decode()
    assert "django_http_requests_total_by_method_total" in body
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body
    assert "trellis_celery_tasks_published_total" in body or "trellis_celery_tasks" in body


def test_metrics_token_is_enforced_when_set(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200
