"""What invalidates the cached fragments of the learner's pages (`config.stamps`).

Two kinds of stamp:

- `learner:<id>`: a write to that learner's own rows (enrolments, cohort places,
  progress, skill ratings, certifications, team memberships, their user row);
- `catalogue`: a write to anything shared that those pages show (roles, skills and the
  matrix, pathways, modules, labs, cohorts, certifications, teams, anyone's name).

Model saves and deletes bump through signals (connected in `PathwaysConfig.ready`);
the few bulk writes that send no signals (`QuerySet.update`, `bulk_create`, raw SQL)
call `learners_changed` or `catalogue_changed` themselves.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from config import stamps

# Saves of a user that change nothing a page shows.
_QUIET_USER_FIELDS = frozenset({"last_login", "password", "password_changed_at"})


def learners_changed(user_ids: Iterable[int | None]) -> None:
    stamps.bump(*(stamps.learner(u) for u in set(user_ids) if u is not None))


def catalogue_changed() -> None:
    stamps.bump(stamps.CATALOGUE)


def request_stamps(user_id: int) -> list[str]:
    return [stamps.learner(user_id), stamps.CATALOGUE]


def learner_stamp(user_id: int) -> str | None:
    """The key part of a fragment built from this learner's rows and the catalogue."""
    return stamps.current(stamps.learner(user_id), stamps.CATALOGUE)


def _owner(instance: Any) -> int | None:
    for attr in ("user_id", "person_id"):
        if hasattr(instance, attr):
            return getattr(instance, attr)
    return None


def _on_learner_row(sender: Any, instance: Any, **kwargs: Any) -> None:
    learners_changed([_owner(instance)])


def _on_progress(sender: Any, instance: Any, **kwargs: Any) -> None:
    from pathways.models import Enrollment

    learners_changed(
        Enrollment.objects.filter(pk=instance.enrollment_id).values_list("user_id", flat=True)
    )


def _on_user(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= _QUIET_USER_FIELDS:
        return
    learners_changed([instance.pk])
    catalogue_changed()  # their name shows on the pages of the learners they rated


def _on_groups(sender: Any, instance: Any, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if kwargs.get("action", "").startswith("pre_"):
        return
    if reverse:  # group.user_set changed: the users in pk_set (all of them on a clear)
        if pk_set:
            learners_changed(pk_set)
        else:
            catalogue_changed()
    else:
        learners_changed([instance.pk])


def _on_shared(sender: Any, **kwargs: Any) -> None:
    catalogue_changed()


def connect() -> None:
    from org.models import Membership, Team, User
    from pathways import models as m

    per_learner = [m.Enrollment, m.CohortMember, m.SkillRating, m.CertificationAward, Membership]
    shared = [
        m.Role,
        m.Skill,
        m.RoleSkill,
        m.Pathway,
        m.PathwayOutcome,
        m.Module,
        m.ModuleSkill,
        m.Lab,
        m.Capstone,
        m.Certification,
        m.Cohort,
        Team,
    ]
    uid = "pathways.page_cache"
    for model in per_learner:
        for signal in (post_save, post_delete):
            signal.connect(_on_learner_row, sender=model, dispatch_uid=f"{uid}.{model.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(_on_progress, sender=m.Progress, dispatch_uid=f"{uid}.Progress")
        signal.connect(_on_user, sender=User, dispatch_uid=f"{uid}.User")
        for model in shared:
            signal.connect(_on_shared, sender=model, dispatch_uid=f"{uid}.{model.__name__}")
    # The personas a user acts as decide which versions (drafts) their pages show.
    m2m_changed.connect(_on_groups, sender=User.groups.through, dispatch_uid=f"{uid}.groups")
    for through in (
        m.Lab.skills.through,
        m.Capstone.skills.through,
        m.Certification.skills.through,
    ):
        m2m_changed.connect(_on_shared, sender=through, dispatch_uid=f"{uid}.{through.__name__}")
