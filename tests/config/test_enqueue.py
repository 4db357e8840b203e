"""config.tasks.enqueue_on_commit: the one way application code sends a task."""

from django.db import transaction

from config.celery_app import app
from config.tasks import enqueue_on_commit

received: list[tuple] = []


@app.task(name="tests.config.record")
def record(*args):
    received.append(args)


def test_a_task_is_sent_by_name_only_after_the_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    received.clear()

    # when a task is enqueued inside a transaction
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit("tests.config.record", 7, "x")
        # then nothing is sent before the commit
        assert received == []

    # and it runs once, with its arguments, after it
    assert received == [(7, "x")]


def test_nothing_is_sent_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    received.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                enqueue_on_commit("tests.config.record", 1)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert callbacks == []
    assert received == []
