import hashlib
import json
import uuid

import pytest
from django.core.management import call_command

from lrs.models import Client, Statement

from .conftest import XAPI, statement

pytestmark = pytest.mark.django_db

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def ids_of(response) -> list[str]:
    return [s["id"] for s in response.json()["statements"]]


def test_post_then_get_by_id_returns_the_statement_with_stored_authority_and_version(xapi):
    response = xapi.post("statements", statement())

    assert response.status_code == 200
    [statement_id] = response.json()
    got = xapi.get("statements", {"statementId": statement_id})
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == statement_id
    assert body["actor"]["mbox"] == "mailto:ada@example.com"
    assert body["version"] == "1.0.0"
    assert body["authority"]["account"]["name"] == xapi.key
    assert body["stored"].endswith("Z")
    assert got["X-Experience-API-Version"] == "1.0.3"
    assert got["X-Experience-API-Consistent-Through"]


def test_put_needs_statement_id_and_conflicting_content_is_refused(xapi):
    statement_id = str(uuid.uuid4())

    assert xapi.put("statements", statement()).status_code == 400
    assert xapi.put(f"statements?statementId={statement_id}", statement()).status_code == 204
    # The same content again is accepted and changes nothing; other content is a conflict.
    assert xapi.put(f"statements?statementId={statement_id}", statement()).status_code == 204
    changed = statement(object={"id": "http://example.com/activities/two"})
    assert xapi.put(f"statements?statementId={statement_id}", changed).status_code == 409
    assert Statement.objects.get(statement_id=statement_id).data["object"]["id"].endswith("one")


@pytest.mark.parametrize(
    "bad",
    [
        {"actor": {"mbox": "ada@example.com"}},  # not a mailto IRI
        {"actor": {"mbox": "mailto:a@b.c", "openid": "http://a.example"}},  # two IFIs
        {"verb": {"id": "not an iri"}},
        {"object": {"id": "http://e.com/a", "definition": {"interactionType": "dance"}}},
        {"result": {"score": {"scaled": 1.5}}},
        {"result": {"duration": "P4W1D"}},
        {"timestamp": "yesterday"},
        {"unknown": 1},
        {"context": {"registration": "not-a-uuid"}},
    ],
)
def test_invalid_statements_are_refused_and_nothing_is_stored(xapi, bad):
    response = xapi.post("statements", [statement(), statement(**bad)])

    assert response.status_code == 400
    assert Statement.objects.count() == 0


def test_requests_need_the_version_header_and_valid_credentials(xapi, lrs_credentials):
    no_version = XAPI(*lrs_credentials)
    del no_version.headers["HTTP_X_EXPERIENCE_API_VERSION"]
    wrong_secret = XAPI(lrs_credentials[0], "wrong")

    assert no_version.get("statements").status_code == 400
    assert no_version.get("about").status_code == 200
    assert wrong_secret.get("statements").status_code == 401
    assert xapi.get("statements").status_code == 200


def test_lrs_client_command_prints_key_and_secret_and_revoke_locks_them_out(db, capsys):
    call_command("lrs_client", "create", "lab platform")
    key, secret = capsys.readouterr().out.strip().split(" ")
    client = XAPI(key, secret)

    assert Client.objects.get(key=key).name == "lab platform"
    assert client.get("statements").status_code == 200
    call_command("lrs_client", "revoke", key)
    assert client.get("statements").status_code == 401


def test_filters_by_agent_verb_activity_registration_and_related(xapi):
    registration = str(uuid.uuid4())
    bob = {"mbox": "mailto:bob@example.com"}
    [plain] = xapi.post("statements", statement()).json()
    [with_context] = xapi.post(
        "statements",
        statement(
            actor=bob,
            verb={"id": "http://adlnet.gov/expapi/verbs/completed"},
            context={
                "registration": registration,
                "instructor": {"mbox": "mailto:ada@example.com"},
                "contextActivities": {"parent": {"id": "http://example.com/activities/one"}},
            },
            object={"id": "http://example.com/activities/two"},
        ),
    ).json()
    ada = json.dumps({"mbox": "mailto:ada@example.com"})

    assert ids_of(xapi.get("statements", {"agent": ada})) == [plain]
    assert ids_of(xapi.get("statements", {"agent": ada, "related_agents": "true"})) == [
        with_context,
        plain,
    ]
    assert ids_of(xapi.get("statements", {"verb": "http://adlnet.gov/expapi/verbs/completed"})) == [
        with_context
    ]
    assert ids_of(xapi.get("statements", {"activity": "http://example.com/activities/one"})) == [
        plain
    ]
    assert ids_of(
        xapi.get(
            "statements",
            {"activity": "http://example.com/activities/one", "related_activities": "true"},
        )
    ) == [with_context, plain]
    assert ids_of(xapi.get("statements", {"registration": registration})) == [with_context]
    assert ids_of(xapi.get("statements", {"ascending": "true"})) == [plain, with_context]
    assert xapi.get("statements", {"Agent": ada}).status_code == 400


def test_voided_statements_leave_queries_but_remain_reachable_by_voided_statement_id(xapi):
    [target] = xapi.post("statements", statement()).json()
    voiding = statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})
    [voiding_id] = xapi.post("statements", voiding).json()

    assert xapi.get("statements", {"statementId": target}).status_code == 404
    assert xapi.get("statements", {"voidedStatementId": target}).json()["id"] == target
    assert ids_of(xapi.get("statements")) == [voiding_id]
    # A voiding statement cannot itself be voided.
    again = statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding_id})
    assert xapi.post("statements", again).status_code == 400


def test_more_pages_through_every_statement_once(xapi):
    posted = xapi.post("statements", [statement() for _ in range(5)]).json()

    seen = []
    page = xapi.get("statements", {"limit": "2", "ascending": "true"}).json()
    while True:
        seen.extend(s["id"] for s in page["statements"])
        if not page["more"]:
            break
        assert page["more"].startswith("/xapi/statements/more/")
        page = xapi.get(page["more"].removeprefix("/xapi/")).json()

    assert seen == posted


def test_format_ids_and_canonical(xapi):
    body = statement(
        verb={"id": "http://e.com/v", "display": {"en-US": "did", "fr": "a fait"}},
        object={"id": "http://e.com/a", "definition": {"name": {"en-US": "A", "fr": "Un"}}},
    )
    [statement_id] = xapi.post("statements", body).json()

    ids = xapi.get("statements", {"statementId": statement_id, "format": "ids"}).json()
    canonical = xapi.get(
        "statements",
        {"statementId": statement_id, "format": "canonical"},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).json()

    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    assert ids["object"] == {"id": "http://e.com/a"}
    assert canonical["verb"]["display"] == {"fr": "a fait"}
    assert canonical["object"]["definition"]["name"] == {"fr": "Un"}


def test_multipart_attachments_are_stored_and_returned(xapi):
    content = b"here is a simple attachment"
    sha2 = hashlib.sha256(content).hexdigest()
    body = statement(
        attachments=[
            {
                "usageType": "http://example.com/usage/notes",
                "display": {"en-US": "notes"},
                "contentType": "text/plain",
                "length": len(content),
                "sha2": sha2,
            }
        ]
    )
    boundary = "abc123"
    payload = (
        (
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(body)}\r\n"
            f"--{boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )

    missing_part = xapi.post("statements", body)
    response = xapi.post(
        "statements", payload, content_type=f"multipart/mixed; boundary={boundary}"
    )
    [statement_id] = response.json()
    got = xapi.get("statements", {"statementId": statement_id, "attachments": "true"})

    assert missing_part.status_code == 400
    assert response.status_code == 200
    assert got["Content-Type"].startswith("multipart/mixed; boundary=")
    assert content in got.content
    assert f"X-Experience-API-Hash: {sha2}".encode() in got.content


def test_alternate_request_syntax_put_as_form_post(xapi, lrs_credentials):
    statement_id = str(uuid.uuid4())
    form = {
        "statementId": statement_id,
        "content": json.dumps(statement()),
        "X-Experience-API-Version": "1.0.3",
        "Authorization": xapi.headers["HTTP_AUTHORIZATION"],
    }
    from urllib.parse import urlencode

    response = xapi.http.post(
        "/xapi/statements?method=PUT",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 204
    assert xapi.get("statements", {"statementId": statement_id}).status_code == 200


@pytest.mark.postgres
def test_statement_rows_cannot_be_updated_on_postgresql(xapi):
    from django.db import DatabaseError, transaction

    [statement_id] = xapi.post("statements", statement()).json()

    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Statement.objects.filter(statement_id=statement_id).update(verb_id="http://e.com/x")
