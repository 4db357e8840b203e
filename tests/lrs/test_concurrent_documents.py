"""Two writes of one state or profile document at once, on PostgreSQL.

Course content saves its state often, and from every open tab; two writes of a document
that does not exist yet both find no row to lock. Each test holds the first write open,
waits until the second is blocked behind it (or done), then lets the first commit.
"""

import json

import pytest

from lrs import services
from lrs.exceptions import PreconditionFailed
from lrs.models import Document
from tests.concurrency import overlap

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STATE = {
    "kind": Document.STATE,
    "activity_id": "http://example.com/activities/one",
    "agent": "mbox:mailto:ada@example.com",
    "registration": "",
    "doc_id": "progress",
}
PROFILE = {
    "kind": Document.ACTIVITY_PROFILE,
    "activity_id": "http://example.com/activities/one",
    "doc_id": "settings",
}


def _post(key: dict, value: dict) -> None:
    services.document_write(
        key=key,
        content=json.dumps(value).encode(),
        content_type="application/json",
        merge=True,
        if_match=None,
        if_none_match=None,
        require_precondition=False,
    )


def _put_if_new(key: dict, value: dict) -> None:
    services.document_write(
        key=key,
        content=json.dumps(value).encode(),
        content_type="application/json",
        merge=False,
        if_match=None,
        if_none_match="*",
        require_precondition=True,
    )


def test_two_first_posts_of_a_state_document_at_once_are_both_merged(db):
    # given a first POST of a state document not committed yet
    def first() -> None:
        _post(STATE, {"page": 3})

    # when a second POST of the same document arrives from another tab
    def second() -> None:
        _post(STATE, {"score": 80})

    outcome = overlap(first, second)

    # then the second waited and merged into what the first wrote: one document, both keys
    assert "error" not in outcome, outcome
    document = Document.objects.get(**STATE)
    assert json.loads(bytes(document.content)) == {"page": 3, "score": 80}


def test_a_second_put_if_none_match_of_a_new_profile_is_refused_not_an_error(db):
    # given a first PUT with If-None-Match: * of a new profile, not committed yet
    def first() -> None:
        _put_if_new(PROFILE, {"v": 1})

    # when a second one arrives before it commits
    def second() -> None:
        _put_if_new(PROFILE, {"v": 2})

    outcome = overlap(first, second)

    # then the second gets 412 Precondition Failed, as it would a moment later
    assert isinstance(outcome.get("error"), PreconditionFailed), outcome
    document = Document.objects.get(**PROFILE)
    assert json.loads(bytes(document.content)) == {"v": 1}
