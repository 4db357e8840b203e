"""One learner's progress requests on one lab or module that overlap, on PostgreSQL.

The lab page saves its checklist on every tick (htmx) next to its "Mark as done" button,
and a button can be pressed twice. Each test holds the first request's transaction open,
waits until the second is blocked behind it (or done), then lets the first commit.
"""

import pytest

from lrs.models import Statement
from pathways.models import Progress
from pathways.progress import services
from pathways.xapi import VERBS
from tests.cohorts.factories import EnrollmentFactory, RoleFactory, pathway_with_schedule
from tests.concurrency import overlap

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def started(db):
    """A learner on a pathway whose module and lab they have started (one item ticked)."""
    pathway = pathway_with_schedule(RoleFactory(), [(1, 2)], labs=1)
    module = pathway.modules.get()
    lab = module.labs.select_related("module").get()
    lab.checklist = ["Alerts in version control", "Runbook linked"]
    lab.save()
    user_id = EnrollmentFactory(pathway=pathway).user_id
    services.progress_mark(user_id=user_id, status="in_progress", module=module)
    services.lab_checklist_save(user_id=user_id, lab=lab, ticked=[0])
    return user_id, module, lab


def test_a_checklist_tick_on_its_way_when_the_learner_marks_the_lab_done_is_kept(started):
    # given the autosave of the lab's last checklist tick, not committed yet
    user_id, _, lab = started

    def autosave() -> None:
        services.lab_checklist_save(user_id=user_id, lab=lab, ticked=[0, 1])

    # when the learner presses "Mark as done"
    def mark_done() -> Progress | None:
        return services.progress_mark_by_learner(user_id=user_id, status="done", lab=lab)

    outcome = overlap(autosave, mark_done)

    # then the lab is done and keeps both ticks
    assert "error" not in outcome, outcome
    progress = Progress.objects.get(lab=lab)
    assert (progress.status, progress.checklist) == (Progress.Status.DONE, [0, 1])


def test_a_double_click_on_mark_as_done_completes_the_module_once(started):
    # given a first "Mark as done" of a started module, not committed yet
    user_id, module, _ = started

    def first_click() -> None:
        services.progress_mark_by_learner(user_id=user_id, status="done", module=module)

    # when the second click of a double click arrives
    def second_click() -> Progress | None:
        return services.progress_mark_by_learner(user_id=user_id, status="done", module=module)

    outcome = overlap(first_click, second_click)

    # then the second finds the module done: one completion, one "completed" statement
    assert "error" not in outcome, outcome
    progress = Progress.objects.get(module=module)
    assert progress.status == Progress.Status.DONE
    assert outcome["value"].completed_at == progress.completed_at
    assert Statement.objects.filter(verb_id=VERBS["completed"]).count() == 1


def test_a_scoring_batch_that_completes_a_module_the_learner_marks_done_meanwhile(started):
    # given the learner's "Mark as done" of a started module, not committed yet
    user_id, module, _ = started

    def click() -> None:
        services.progress_mark_by_learner(user_id=user_id, status="done", module=module)

    # when a scoring batch completes the same module (the learner passed its check)
    def batch() -> int:
        return services.progress_mark_many([(user_id, "done", module, None)])

    outcome = overlap(click, batch)

    # then the batch finds it done: the learner's completion time stands, one statement
    assert "error" not in outcome, outcome
    assert outcome["value"] == 0
    assert Statement.objects.filter(verb_id=VERBS["completed"]).count() == 1
