"""Writes for progress, skill evidence and the role × skill matrix; cohorts and enrolment
are written in `cohort_services` and reached here too.

Views, the API, tasks and other apps (assessments records completions and
assessment ratings here) call these; nothing else writes these rows.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.tasks import enqueue_on_commit
from org.models import User
from pathways import page_cache
from pathways.models import (
    Enrollment,
    Lab,
    Module,
    Progress,
    Role,
    RoleSkill,
    Skill,
    SkillRating,
)
from pathways.xapi import progress_done

from . import selectors

# Cohorts and enrolment are written in their own module; callers reach them here too.
from .cohort_services import (
    cohort_add_members,
    cohort_add_teams,
    cohort_create,
    cohort_enrol,
    cohort_remove_member,
    cohort_set_champion,
    cohort_update,
    team_enrol,
)
from .exceptions import ProgressError, full_clean

__all__ = [
    "cohort_add_members",
    "cohort_add_teams",
    "cohort_create",
    "cohort_enrol",
    "cohort_remove_member",
    "cohort_set_champion",
    "cohort_update",
    "lab_checklist_save",
    "progress_mark",
    "progress_mark_by_learner",
    "progress_mark_many",
    "rating_create",
    "role_skill_delete",
    "role_skill_save",
    "role_weights_update",
    "team_enrol",
]


# --- progress ------------------------------------------------------------------------


def progress_mark(
    *, user_id: int, status: str, lab: Lab | None = None, module: Module | None = None
) -> Progress | None:
    """Set the learner's progress on a lab or module of the pathway version they follow.

    Returns None when the learner is not enrolled on that pathway version. Never
    moves an item back from done; safe to call twice.
    """
    item_module = module if module is not None else lab.module  # type: ignore[union-attr]
    enrollment = Enrollment.objects.filter(
        user_id=user_id, pathway_id=item_module.pathway_id
    ).first()
    if enrollment is None:
        return None
    now = timezone.now()
    lookup = {"lab": lab} if lab is not None else {"module": module}
    with transaction.atomic():
        # Held until the status is written: the second click of a double click on "Mark as
        # done" then finds the item done (one completion, one statement), and a checklist
        # autosave on its way keeps its ticks (only the fields changed here are written).
        progress, _ = Progress.objects.select_for_update().get_or_create(
            enrollment=enrollment, **lookup
        )
        if progress.status == Progress.Status.DONE or progress.status == status:
            return progress
        progress.status = status
        progress.started_at = progress.started_at or now
        if status == Progress.Status.DONE:
            progress.completed_at = now
        progress.save(update_fields=["status", "started_at", "completed_at", "updated_at"])
    if status == Progress.Status.DONE:
        progress_done(
            user_id=user_id, module=item_module, lab=lab, completed_at=progress.completed_at
        )
    return progress


def progress_mark_by_learner(
    *, user_id: int, status: str, lab: Lab | None = None, module: Module | None = None
) -> Progress | None:
    """The learner's own "Start" / "Mark as done": refused (ProgressError) for an item
    completed by passing its check (a module's quiz, a lab's lab check)."""
    from . import sequence

    if status == Progress.Status.DONE:
        key = ("lab", lab.pk) if lab is not None else ("module", module.pk)  # type: ignore[union-attr]
        checked = sequence.checked_items(
            module_ids=[key[1]] if key[0] == "module" else [],
            lab_ids=[key[1]] if key[0] == "lab" else [],
        )
        if key in checked:
            what = "lab check" if key[0] == "lab" else "quiz"
            raise ProgressError(f"This {key[0]} is done when you pass its {what}.")
    return progress_mark(user_id=user_id, status=status, lab=lab, module=module)


def lab_checklist_save(*, user_id: int, lab: Lab, ticked: Iterable[int]) -> Progress | None:
    """Save the lab checklist items the learner ticked (0-based, self-reported).

    Ticking moves a lab that was not started to in progress. Returns None when the
    learner is not enrolled on the lab's pathway version.
    """
    size = len(lab.checklist or [])
    items = sorted(set(ticked))
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < size for i in items):
        raise ProgressError("A ticked checklist item does not exist.")
    enrollment = Enrollment.objects.filter(
        user_id=user_id, pathway_id=lab.module.pathway_id
    ).first()
    if enrollment is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        # Held while the status is read and written: a lab marked done meanwhile stays done.
        progress, _ = Progress.objects.select_for_update().get_or_create(
            enrollment=enrollment, lab=lab
        )
        progress.checklist = items
        fields = ["checklist", "updated_at"]
        if items and progress.status == Progress.Status.NOT_STARTED:
            progress.status = Progress.Status.IN_PROGRESS
            progress.started_at = progress.started_at or now
            fields += ["status", "started_at"]
        progress.save(update_fields=fields)
    return progress


# The rows it reads stay locked until the end; in a caller's transaction, no savepoint.
@transaction.atomic(savepoint=False)
def progress_mark_many(marks: Sequence[tuple[int, str, Module | None, Lab | None]]) -> int:
    """`progress_mark` for many (user id, status, module, lab) at once — e.g. a scoring
    batch — in at most five queries however many marks. A lab must come with its module
    loaded. For one user and item, done wins. Returns the number of rows written.

    Every item this call completes gets the "completed" statement `progress_mark` records,
    once: they are recorded by `pathways.tasks.xapi_progress_done`, queued on commit."""
    wanted: dict[tuple[int, str, int], tuple[str, int]] = {}
    for user_id, status, module, lab in marks:
        item_module = module if module is not None else lab.module  # type: ignore[union-attr]
        key = (user_id, "lab", lab.pk) if lab is not None else (user_id, "module", module.pk)  # type: ignore[union-attr]
        previous = wanted.get(key)
        if previous is None or previous[0] != Progress.Status.DONE:
            wanted[key] = (status, item_module.pathway_id)
    if not wanted:
        return 0
    enrolled = {
        (user_id, pathway_id): pk
        for pk, user_id, pathway_id in Enrollment.objects.filter(
            user_id__in={k[0] for k in wanted},
            pathway_id__in={pathway_id for _, pathway_id in wanted.values()},
        ).values_list("pk", "user_id", "pathway_id")
    }
    targets = {
        (enrolled[(user_id, pathway_id)], kind, item_id): status
        for (user_id, kind, item_id), (status, pathway_id) in wanted.items()
        if (user_id, pathway_id) in enrolled
    }
    if not targets:
        return 0
    page_cache.learners_changed(k[0] for k in wanted)
    now = timezone.now()

    completed: list[tuple[int, str, int]] = []  # (enrollment id, kind, item id) done here

    def update(keys: Iterable[tuple[int, str, int]]) -> tuple[int, set]:
        keys = set(keys)
        # Held until the caller's transaction ends, in id order: an item the learner
        # marks done meanwhile is then read as done here (one completion, one statement).
        rows = (
            Progress.objects.filter(enrollment_id__in={k[0] for k in keys})
            .filter(
                Q(module_id__in={k[2] for k in keys if k[1] == "module"})
                | Q(lab_id__in={k[2] for k in keys if k[1] == "lab"})
            )
            .select_for_update()
            .order_by("pk")
        )
        found, changed = set(), []
        for row in rows:
            key = (
                (row.enrollment_id, "module", row.module_id)
                if row.module_id
                else (
                    row.enrollment_id,
                    "lab",
                    row.lab_id,
                )
            )
            if key not in keys:
                continue
            found.add(key)
            status = targets[key]
            if row.status in (Progress.Status.DONE, status):
                if row.status == Progress.Status.DONE and row.completed_at == now:
                    completed.append(key)  # inserted done by this call's bulk_create
                continue
            row.status = status
            row.started_at = row.started_at or now
            if status == Progress.Status.DONE:
                row.completed_at = now
                completed.append(key)
            row.updated_at = now
            changed.append(row)
        if changed:
            Progress.objects.bulk_update(
                changed, ["status", "started_at", "completed_at", "updated_at"]
            )
        return len(changed), keys - found

    written, missing = update(targets)
    if missing:
        Progress.objects.bulk_create(
            [
                Progress(
                    enrollment_id=enrollment_id,
                    module_id=item_id if kind == "module" else None,
                    lab_id=item_id if kind == "lab" else None,
                    status=targets[(enrollment_id, kind, item_id)],
                    started_at=now,
                    completed_at=now
                    if targets[(enrollment_id, kind, item_id)] == Progress.Status.DONE
                    else None,
                )
                for enrollment_id, kind, item_id in sorted(missing)
            ],
            ignore_conflicts=True,
        )
        # A row someone else inserted meanwhile was skipped: bring it up to date too.
        written += len(missing) + update(missing)[0]
    if completed:
        user_of = {pk: user_id for (user_id, _), pk in enrolled.items()}
        enqueue_on_commit(
            "pathways.tasks.xapi_progress_done",
            [
                [user_of[e], kind, item_id, now.isoformat()]
                for e, kind, item_id in sorted(completed)
            ],
        )
    return written


# --- skill evidence ------------------------------------------------------------------


def rating_create(
    *,
    person: User,
    skill: Skill,
    level: int,
    source: str,
    rated_by: User | None = None,
    note: str = "",
    evidence_url: str = "",
    rated_at: datetime | None = None,
    source_ref: str = "",
) -> SkillRating:
    """Record one piece of evidence of `person`'s level in `skill`.

    With `rated_by` (a person in the browser or the API) the source must be one
    that person may give (`selectors.rating_sources_for`) and every source but a
    self-assessment needs a note or a link. Without it (assessments, labs,
    certifications recorded by code) any source is accepted. A non-empty
    `source_ref` makes the call idempotent: the existing rating is returned.
    """
    if rated_by is not None:
        allowed = selectors.rating_sources_for(rater=rated_by, person=person)
        if not allowed:
            raise PermissionDenied
        if source not in allowed:
            labels = ", ".join(SkillRating.Source(s).label for s in allowed)
            raise ProgressError(f"You can record these sources for this person: {labels}.")
        if source != SkillRating.Source.SELF and not (note.strip() or evidence_url.strip()):
            raise ProgressError("Add an evidence note or a link: what did you see?")
    if source_ref:
        existing = SkillRating.objects.filter(
            person=person, skill=skill, source_ref=source_ref
        ).first()
        if existing is not None:
            return existing
    rating = SkillRating(
        person=person,
        skill=skill,
        level=level,
        source=source,
        rated_by=rated_by,
        note=note.strip(),
        evidence_url=evidence_url.strip(),
        rated_at=rated_at or timezone.now(),
        source_ref=source_ref,
    )
    full_clean(rating)
    rating.save()
    return rating


# --- the role × skill matrix ---------------------------------------------------------

MATRIX_FIELDS = (
    "criticality",
    "level_junior",
    "level_mid",
    "level_senior",
    "level_principal",
    "min_day30",
    "min_day60",
    "min_day90",
)


def role_skill_save(*, role: Role, skill: Skill, **levels: int) -> RoleSkill:
    """Create or update the role × skill cell; `levels` are MATRIX_FIELDS values (1–5)."""
    unknown = set(levels) - set(MATRIX_FIELDS)
    if unknown:
        raise ProgressError(f"Unknown matrix field(s): {', '.join(sorted(unknown))}.")
    cell = RoleSkill.objects.filter(role=role, skill=skill).first() or RoleSkill(
        role=role, skill=skill
    )
    for name, value in levels.items():
        setattr(cell, name, value)
    full_clean(cell)
    cell.save()
    return cell


def role_skill_delete(*, role_skill: RoleSkill) -> None:
    role_skill.delete()


def role_weights_update(*, role: Role, exposure: int, influence: int) -> Role:
    role.exposure = exposure
    role.influence = influence
    full_clean(role)
    role.save(update_fields=["exposure", "influence"])
    return role
