"""The one way application code sends a Celery task: by name, after commit.

Services never import their app's `tasks` module (tasks import services, to do
the work), so the two never import each other. Every app enqueues through
`enqueue_on_commit`; making delivery durable (an outbox table) means changing
this module only.
"""

import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def enqueue_on_commit(name: str, *args: Any, countdown: float | None = None) -> None:
    """Send the task registered as `name` (e.g. "assessments.tasks.score_attempt")
    with `args` once the current transaction commits (at once outside one).

    Never send a task from inside a transaction: the worker could run before the
    rows it needs are visible, or for rows that are then rolled back. Sending never
    fails the caller, whose work is committed: a message the broker refuses is kept
    in the outbox (`TASK_OUTBOX_STORE`, `org.outbox`) and sent when the broker is back.
    """
    from config.celery_app import app

    def deliver() -> None:
        try:
            send(name, *args, countdown=countdown)
        except BrokerError as exc:
            logger.warning("%s%s not sent (%s); kept in the outbox", name, args, exc)
            # The outbox table belongs to an app (TASK_OUTBOX_STORE names its writer);
            # config imports no app.
            store = import_string(settings.TASK_OUTBOX_STORE)
            store(task=name, args=args, kwargs={}, error=str(exc))

    # Eager tasks (no broker) run inside deliver(): let their errors reach the caller.
    transaction.on_commit(deliver, robust=not app.conf.task_always_eager)


def send(name: str, *args: Any, countdown: float | None = None) -> None:
    """Send the task `name` now. A task registered in this process goes through
    `apply_async` (so it runs eagerly when there is no broker); a name no loaded
    app registers is sent to the broker as is, for whichever worker knows it."""
    from config.celery_app import app

    if name not in app.tasks:
        _import_task_module(name)
    if name not in app.tasks:
        app.loader.import_default_modules()  # the apps' task modules, autodiscovered
    options: dict[str, Any] = {} if countdown is None else {"countdown": countdown}
    task = app.tasks.get(name)
    if task is not None:
        task.apply_async(args=args, **options)
    else:
        app.send_task(name, args=args, **options)


def _import_task_module(name: str) -> None:
    """Import the module a task name points to (names are "<module>.<function>").

    Only that module: Celery's `import_default_modules` would import every app's task
    modules (and what they import) and run Django's system checks (its Django fixup
    does on that signal), which costs a web process tens of MB on its first send.
    A module this process does not have is left to the caller's fallback."""
    module = name.rpartition(".")[0]
    if not module:
        return
    try:
        import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if not (module == missing or module.startswith(missing + ".")):
            raise  # the module exists but something it imports does not
