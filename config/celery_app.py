"""The Celery application and its queue policy. Application code enqueues through
`config.tasks.enqueue_on_commit`."""

import os
from typing import Any

from celery import Celery, Task
from celery.signals import after_task_publish, task_postrun
from prometheus_client import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("trellis")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Scoring work must survive a worker dying mid-task: acknowledge only after the
# task returns, and requeue when the worker process is lost. Every scoring task
# claims its work with a conditional update, so a redelivery does nothing twice.
ACKS_LATE_QUEUES = frozenset({"scoring"})


class _QueuePolicy:
    def annotate(self, task: Task) -> dict[str, Any] | None:
        route = app.conf.task_routes or {}
        for pattern, options in route.items():
            prefix = pattern.rstrip("*")
            if task.name.startswith(prefix) and options.get("queue") in ACKS_LATE_QUEUES:
                return {"acks_late": True, "reject_on_worker_lost": True}
        return None


app.conf.task_annotations = (_QueuePolicy(),)
app.autodiscover_tasks()


TASKS_PUBLISHED = Counter(
    "trellis_celery_tasks_published_total", "Tasks sent to the broker", ["task"]
)
TASKS_FINISHED = Counter(
    "trellis_celery_tasks_total", "Tasks run in this process, by final state", ["task", "state"]
)


@after_task_publish.connect
def _count_publish(sender: str | None = None, **_: Any) -> None:
    TASKS_PUBLISHED.labels(task=sender or "unknown").inc()


@task_postrun.connect
def _count_run(task: Task | None = None, state: str | None = None, **_: Any) -> None:
    TASKS_FINISHED.labels(task=getattr(task, "name", "unknown"), state=state or "UNKNOWN").inc()
