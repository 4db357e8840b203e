"""A task module imported only by tests/config/test_enqueue.py (sending imports it)."""

from config.celery_app import app

NOTED: list[int] = []


@app.task(name="tests.config.enqueue_target.noted")
def noted(value: int) -> None:
    NOTED.append(value)
