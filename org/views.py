import logging
import os
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from config.celery_app import app as celery_app

from . import access, selectors, tokens
from .models import Persona
from .permissions import persona_required

logger = logging.getLogger(__name__)

HOME_URLS = {
    Persona.LEARNER: "pathways:learn",
    Persona.AUTHOR: "pathways:author_home",
    Persona.MANAGER: "metrics:home",
    Persona.ADMIN: "org:platform",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(HOME_URLS[access.home_persona(request.user)])


@persona_required(Persona.ADMIN)
def platform(request: HttpRequest) -> HttpResponse:
    teams = selectors.team_list_for_user(user=request.user)
    return render(request, "org/platform.html", {"teams": teams})


@persona_required(Persona.MANAGER)
def team_list(request: HttpRequest) -> HttpResponse:
    teams = selectors.team_list_for_user(user=request.user)
    return render(request, "org/team_list.html", {"teams": teams})


@persona_required(Persona.MANAGER)
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(access.teams_managed_by(request.user), slug=slug)
    memberships = list(selectors.team_memberships(team=team))
    names = selectors.role_names(m.job_role for m in memberships)
    for m in memberships:
        m.job_role_name = names.get(m.job_role, m.job_role)
    return render(request, "org/team_detail.html", {"team": team, "memberships": memberships})


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The signed-in person's API tokens; POST revokes one of them."""
    if request.method == "POST":
        if tokens.token_revoke(user=request.user, token_key=request.POST.get("token_id", "")):
            messages.success(request, "The token was revoked.")
        return redirect("token_list")
    items = tokens.token_list_for_user(user=request.user)
    return render(request, "registration/token_list.html", {"tokens": items})


# --- health -----------------------------------------------------------------------


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def check_database(alias: str = "default") -> str | None:
    """None when a fresh connection can run a query, else why not."""
    params = connections.settings[alias]
    wrapper = load_backend(params["ENGINE"]).DatabaseWrapper(params, alias)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; say which
        return f"{type(exc).__name__}: {exc}".strip()[:300]
    finally:
        wrapper.close()
    return None


def check_broker() -> str | None:
    """None when the broker answers (or tasks run eagerly without one), else why not."""
    if celery_app.conf.task_always_eager:
        return None
    try:
        with Connection(celery_app.conf.broker_url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()[:300]
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    started = time.monotonic()
    failures = {
        name: error
        for name, error in (("database", check_database()), ("broker", check_broker()))
        if error
    }
    if failures:
        logger.warning("not ready: %s", failures)
    body = {
        "status": "unavailable" if failures else "ready",
        "failed": sorted(failures),
        # The error text can name hosts and users: only DEBUG shows it (the log always has it).
        **({"errors": failures} if settings.DEBUG else {}),
        "broker": "eager (no broker)" if celery_app.conf.task_always_eager else "redis",
        "seconds": round(time.monotonic() - started, 3),
    }
    return JsonResponse(body, status=503 if failures else 200)


@never_cache
@require_GET
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token and request.headers.get("Authorization") != f"Bearer {token}":
        return HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn workers and Celery workers write to a shared directory.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
