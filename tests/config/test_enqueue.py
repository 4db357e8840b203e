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


def test_sending_imports_only_the_task_module_and_runs_no_system_checks(monkeypatch):
    import sys

    from celery import signals

    from config import tasks

    # given a task whose module this process has not imported yet
    monkeypatch.delitem(sys.modules, "tests.config.enqueue_target", raising=False)
    app.tasks.pop("tests.config.enqueue_target.noted", None)
    default_imports: list[object] = []
    monkeypatch.setattr(app.loader, "import_default_modules", lambda: default_imports.append(True))
    checks_run: list[object] = []

    def on_import_modules(**kwargs):  # what Celery's Django fixup runs checks on
        checks_run.append(kwargs)

    signals.import_modules.connect(on_import_modules, weak=False)
    try:
        # when it is sent
        tasks.send("tests.config.enqueue_target.noted", 3)
    finally:
        signals.import_modules.disconnect(on_import_modules)

    # then its module was imported (and the task ran eagerly), and nothing else
    from tests.config import enqueue_target

    assert enqueue_target.NOTED == [3]
    assert default_imports == []
    assert checks_run == []


def test_a_task_of_a_module_this_process_lacks_falls_back_to_autodiscovery(monkeypatch):
    from config import tasks

    default_imports: list[object] = []
    monkeypatch.setattr(app.loader, "import_default_modules", lambda: default_imports.append(True))
    sent: list[str] = []
    monkeypatch.setattr(app, "send_task", lambda name, **kwargs: sent.append(name))

    tasks.send("elsewhere.tasks.job")

    assert default_imports == [True]
    assert sent == ["elsewhere.tasks.job"]
