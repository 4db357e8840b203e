"""Every URL pattern × every persona, on the demo organisation, with objects owned by others.

The patterns come from the URL resolver, so a new URL without a line in
`permission_matrix.EXPECTED` fails `test_every_url_pattern_has_an_expectation`. Each
request runs in a transaction that is rolled back, so a write answered for one persona
never changes what the next one sees. Views that only take POST are asked with an empty
POST (a GET would only say 405).
"""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.permission_matrix import ADMIN_SITE, EXPECTED, PERSONAS, SKIPPED


def url_patterns(patterns=None, prefix="", namespace=None):
    """(name, route, converters) of every pattern; unnamed ones are named by their route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or None
            ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from url_patterns(pattern.url_patterns, route, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or route, route, pattern


def _is_admin_site(name: str, route: str) -> bool:
    return name.startswith("admin:") or route.startswith("admin/")


def test_every_url_pattern_has_an_expectation():
    missing = [
        name
        for name, route, _ in url_patterns()
        if name not in EXPECTED and name not in SKIPPED and not _is_admin_site(name, route)
    ]
    stale = set(EXPECTED) - {name for name, _, _ in url_patterns()}

    assert not missing, f"add these to tests/security/permission_matrix.py: {missing}"
    assert not stale, f"no such URL any more: {sorted(stale)}"


class World:
    """Objects of the demo organisation, owned by someone other than the personas."""

    def __init__(self):
        from knox.models import AuthToken

        from assessments.models import Assessment, Attempt, QuestionBank
        from incidents.models import (
            ImportBatch,
            Incident,
            IncidentExercise,
            TrainingRule,
            TrainingSuggestion,
        )
        from org.models import User
        from pathways.models import Cohort, Lab, Pathway

        self.users = {p: User.objects.get(email=f"{p}@demo.example") for p in PERSONAS[1:]}
        # Amara is on the SRE team: "manager" manages it, "manager2" does not.
        self.owner = User.objects.get(email="amara.okafor@demo.example")
        pathway = Pathway.objects.get(slug="sre", version=1)
        lab = Lab.objects.filter(module__pathway=pathway).order_by("pk").first()
        module = lab.module
        self.values = {
            "slug": "sre",
            "version": 1,
            "module_slug": module.slug,
            "lab_slug": lab.slug,
            "capstone_slug": pathway.capstones.first().slug,
            "outcome": pathway.outcomes.first().pk,
            "lab": lab.pk,
            "person": self.owner.pk,
            "cohort": Cohort.objects.get().pk,
            "attempt": Attempt.objects.filter(user=self.owner).first().pk,
            "assessment": Assessment.objects.get(slug="sre-skill-check"),
            "bank": QuestionBank.objects.get(slug="sre-skill-check").pk,
            "incident": Incident.objects.filter(team__slug="sre").first().pk,
            "batch": ImportBatch.objects.first().pk,
            "rule": TrainingRule.objects.first().pk,
            "suggestion": TrainingSuggestion.objects.first().pk,
            "exercise": IncidentExercise.objects.first().pk,
            "service": Incident.objects.filter(team__slug="sre", service__isnull=False)
            .first()
            .service.slug,
            "token": AuthToken.objects.create(self.owner)[0].token_key,
        }
        self.values["question"] = self.values["assessment"].items.first().question_id
        from credentials.models import IssuedCredential
        from metrics.models import KeyResult

        credential = IssuedCredential.objects.filter(award__user=self.owner).first()
        self.values["credential"] = credential.public_id if credential else uuid.uuid4()
        key_result = KeyResult.objects.order_by("pk").first()
        self.values["objective"] = key_result.objective_id if key_result else 999999
        self.values["key_result"] = key_result.pk if key_result else 999999

    def kwargs(self, name: str, pattern: URLPattern) -> dict:
        v = self.values
        by_name = {
            "pathways:author_role_edit": {"slug": "sre"},
            "pathways:author_skill_edit": {"slug": _first_skill_slug()},
            "pathways:matrix_role": {"slug": "sre"},
            "pathways:item_go": {"kind": "lab", "pk": v["lab"]},
            "pathways:author_outcome_edit": {"pk": v["outcome"]},
            "pathways:author_outcome_delete": {"pk": v["outcome"]},
            "assessments:detail": {"slug": v["assessment"].slug},
            "assessments:start": {"slug": v["assessment"].slug},
            "api-assessments-attempt-start": {"slug": v["assessment"].slug},
            "metrics:service_incidents": {"slug": v["service"]},
            "metrics:service_incidents_csv": {"slug": v["service"]},
            "api-metrics-kpi-observations": {"key": "mttr"},
            "api-skill": {"slug": _first_skill_slug()},
            "api-token-revoke": {"token_id": v["token"]},
            "incidents:source_webhook": {"name": "nowhere"},
            "metrics:objective_edit": {"pk": v["objective"]},
            "api-okr-edit": {"pk": v["objective"]},
            "api-okr-key-result-create": {"pk": v["objective"]},
            "api-okr-key-result-edit": {"pk": v["objective"]},
            "credentials:achievement": {"slug": "nonexistent-achievement"},
        }
        by_prefix = [
            (("pathways:cohort", "metrics:cohort", "api-cohort", "api-metrics-cohort"), "cohort"),
            (("assessments:attempt", "assessments:save", "assessments:check"), "attempt"),
            (("assessments:submit", "assessments:status", "api-assessments-attempt"), "attempt"),
            (("api-assessments-review-create",), "attempt"),
            (("assessments:assessment_", "assessments:statistics"), "assessment"),
            (("api-assessments-author", "api-assessments-item"), "assessment"),
            (("assessments:bank", "assessments:gift_import"), "bank"),
            (("assessments:question_edit", "api-assessments-question"), "question"),
            (("incidents:detail", "incidents:exercise_create", "api-incident"), "incident"),
            (("incidents:batch_", "api-import-batch"), "batch"),
            (("incidents:training_rule",), "rule"),
            (("incidents:suggestion",), "suggestion"),
            (("incidents:exercise_edit",), "exercise"),
            (("pathways:person", "api-person"), "person"),
        ]
        pk = None
        for prefixes, key in by_prefix:
            if name.startswith(prefixes):
                pk = v[key].pk if hasattr(v[key], "pk") else v[key]
                break
        plain = {
            "slug": v["slug"],
            "version": v["version"],
            "module_slug": v["module_slug"],
            "lab_slug": v["lab_slug"],
            "capstone_slug": v["capstone_slug"],
            "pk": pk if pk is not None else 999999,
            "question_id": v["question"],
            "lab_id": v["lab"],
            "user_id": v["person"],
            "bank_id": v["bank"],
            "award_id": 999999,
            "kind": "roles",
            "token": "not-a-token",
            "uidb64": "MQ",
            "token_id": v["token"],
            "public_id": v["credential"],
            "number": 1,
            "objective_pk": v["objective"],
            "kr": v["key_result"],
        }
        plain.update(by_name.get(name, {}))
        if "resource" in pattern.pattern.regex.groupindex:
            return {"resource": "statements"}
        return {key: plain[key] for key in pattern.pattern.converters}


def _first_skill_slug() -> str:
    from pathways.models import Skill

    return Skill.objects.order_by("slug").first().slug


def _answer(response) -> str:
    if response.status_code in (301, 302):
        where = response["Location"]
        return "L" if "/login/" in where else "R"
    return str(response.status_code)


UNSAFE = {"POST": "P", "PUT": "U", "PATCH": "A", "DELETE": "D"}


def _ask(client: Client | None, path: str) -> str:
    if client is None:
        return "-"
    cookies = client.cookies
    client.cookies = cookies.__class__(cookies)  # a log-out must not end the next request's session
    with transaction.atomic():
        response = client.get(path)
        answer = _answer(response)
        if answer == "405":
            allowed = [m.strip() for m in response.get("Allow", "POST").split(",")]
            method = next((m for m in UNSAFE if m in allowed), "POST")
            ask = getattr(client, method.lower())
            answer = UNSAFE[method] + _answer(ask(path, content_type="application/json"))
        transaction.set_rollback(True)
    client.cookies = cookies
    return answer


@pytest.mark.django_db
def test_every_persona_gets_the_documented_answer_on_every_url():
    # given the demo organisation, and one client per persona
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    world = World()
    clients = {"anonymous": Client()}
    for persona, user in world.users.items():
        clients[persona] = Client()
        clients[persona].force_login(user)
    ct_user = ContentType.objects.get(app_label="org", model="user").pk

    # when each asks for every URL
    wrong = []
    asked = 0
    for name, route, pattern in url_patterns():
        if name in SKIPPED:
            continue
        if _is_admin_site(name, route):
            path = _admin_path(route, world, ct_user)
            expected = ADMIN_SITE.get(name, ADMIN_SITE["*"]).split()
        else:
            path = reverse(name, kwargs=world.kwargs(name, pattern))
            expected = EXPECTED[name].split()
        asking = [clients[p] if e != "-" else None for p, e in zip(PERSONAS, expected, strict=True)]
        answers = [_ask(client, path) for client in asking]
        asked += len(answers)
        if answers != expected:
            wrong.append(f'    "{name}": "{" ".join(answers)}",  # {path}, expected {expected}')

    # then each gets the answer the table documents
    assert asked > 900
    assert not wrong, "\n" + "\n".join(wrong)


def _admin_path(route: str, world: World, ct_user: int) -> str:
    """A concrete path for an admin-site pattern, on an object that exists."""
    if "(?P<url>" in route:
        return "/admin/no-such-page/"
    if "(?P<app_label>" in route:
        return "/admin/org/"
    replacements = {
        "<path:content_type_id>": str(ct_user),
        "<path:object_id>": str(world.owner.pk) if route.startswith("admin/org/user/") else "1",
        "<id>": str(world.owner.pk),
    }
    for placeholder, value in replacements.items():
        route = route.replace(placeholder, value)
    return "/" + route
