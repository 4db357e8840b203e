"""Statements stored at once, on PostgreSQL: a client that sends a statement again before
the first request has answered, and two statements that define one activity. Each test
holds the first request's transaction open, waits until the second is blocked behind it
(or done), then lets the first commit.
"""

import uuid

import pytest

from lrs import services
from lrs.models import Activity, Statement
from tests.concurrency import overlap

from .conftest import statement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ACTIVITY = "http://example.com/activities/one"


def test_a_statement_sent_again_while_the_first_send_commits_gets_the_same_answer(db):
    # given a client's statement being stored, not committed yet
    body = statement(id=str(uuid.uuid4()))

    def send() -> list[str]:
        return services.statements_store(statements=[body], client=None)

    # when the client sends it again (it retried before the first answer came)
    outcome = overlap(send, send)

    # then the retry is answered as it would be a moment later: stored, once
    assert "error" not in outcome, outcome
    assert outcome["value"] == [body["id"]]
    assert Statement.objects.filter(statement_id=body["id"]).count() == 1


def test_two_statements_that_define_one_activity_at_once_keep_both_definitions(db):
    # given a known activity, and a statement giving its name, not committed yet
    services.statements_store(
        statements=[statement(object={"id": ACTIVITY, "definition": {"type": "http://t/x"}})],
        client=None,
    )

    def name() -> None:
        definition = {"name": {"en-US": "One"}}
        services.statements_store(
            statements=[statement(object={"id": ACTIVITY, "definition": definition})],
            client=None,
        )

    # when another statement gives its description at the same time
    def describe() -> None:
        definition = {"description": {"en-US": "The first one"}}
        services.statements_store(
            statements=[statement(object={"id": ACTIVITY, "definition": definition})],
            client=None,
        )

    outcome = overlap(name, describe)

    # then the activity's definition has the type, the name and the description
    assert "error" not in outcome, outcome
    assert Activity.objects.get(activity_id=ACTIVITY).definition == {
        "type": "http://t/x",
        "name": {"en-US": "One"},
        "description": {"en-US": "The first one"},
    }
