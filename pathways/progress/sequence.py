"""The learner's path as one sequence: each module and lab with its state, where the
learner is, and what the next step is.

`pathways` never imports `assessments`. Which modules and labs have something to check
(a quiz, a lab check) is answered by the module named in
`settings.LEARNING_CHECKS_PROVIDER` (`assessments.sequence`), which provides:

- `checked_items(module_ids, lab_ids) -> set[("module"|"lab", id)]`: items completed by
  passing a check, never by "Mark as done";
- `module_checks(module) -> list`: the module's checks, the same for every learner (kept
  with the module page's fragments, under the catalogue stamp);
- `module_steps(user, module, checks) -> list`: those checks as the learner sees them on
  the module page (`checks` from `module_checks`, or None to read them);
- `lab_step(user, lab) -> object | None`: the lab check shown on the lab page.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib import import_module
from types import ModuleType
from typing import Any

from django.conf import settings

from org.models import User

from ..models import Cohort, CohortMember, Enrollment, Lab, Module, Pathway, Progress
from . import rules
from .rules import ItemState

Key = tuple[str, int]  # ("module" | "lab", pk)


def _provider() -> ModuleType | None:
    dotted = getattr(settings, "LEARNING_CHECKS_PROVIDER", "")
    return import_module(dotted) if dotted else None


def checked_items(*, module_ids: Iterable[int] = (), lab_ids: Iterable[int] = ()) -> set[Key]:
    """The items completed by passing a check rather than by "Mark as done"."""
    provider = _provider()
    if provider is None:
        return set()
    return set(provider.checked_items(module_ids=list(module_ids), lab_ids=list(lab_ids)))


def module_checks(*, module: Module) -> list[Any] | None:
    provider = _provider()
    return list(provider.module_checks(module=module)) if provider else None


def module_steps(*, user: User, module: Module, checks: list[Any] | None = None) -> list[Any]:
    provider = _provider()
    if provider is None:
        return []
    return list(provider.module_steps(user=user, module=module, checks=checks))


def lab_step(*, user: User, lab: Lab) -> Any:
    provider = _provider()
    return provider.lab_step(user=user, lab=lab) if provider else None


def in_week_order(modules: Iterable[Module]) -> list[Module]:
    """Modules as a learner meets them: by the week they start, then the author's order."""
    return sorted(modules, key=lambda m: (m.week_start, m.week_end, m.order, m.pk))


@dataclass(frozen=True)
class ItemStatus:
    key: Key
    state: ItemState
    due_on: date | None
    checked: bool  # completed by passing a check
    self_reported: bool  # done by the learner's own "Mark as done"

    @property
    def label(self) -> str:
        if self.state is ItemState.NOT_STARTED:
            return "Not yet due"
        return self.state.label


@dataclass
class Journey:
    """One learner on one pathway version: every item's state and where they are."""

    enrollment: Enrollment
    start: date | None
    day: int
    order: list[Key]  # modules in week order, each followed by its labs
    items: dict[Key, ItemStatus]
    checklists: dict[int, list[int]]  # lab id -> ticked items
    module_of: dict[Key, int]  # item -> its module id
    titles: dict[Key, str]

    @property
    def done(self) -> int:
        return sum(1 for i in self.items.values() if i.state is ItemState.DONE)

    @property
    def next_status(self) -> ItemStatus | None:
        here = self.here
        return self.items[here] if here else None

    @property
    def next_title(self) -> str:
        here = self.here
        return self.titles[here] if here else ""

    @property
    def here_module_id(self) -> int | None:
        here = self.here
        return self.module_of[here] if here else None

    @property
    def here(self) -> Key | None:
        """The first item in order that is not done: "you are here"."""
        return next((k for k in self.order if self.items[k].state is not ItemState.DONE), None)

    def status(self, kind: str, pk: int) -> ItemStatus | None:
        return self.items.get((kind, pk))

    @property
    def here_anchor(self) -> str:
        """ "module-<id>" or "lab-<id>" of the item the learner is at ("" when all done)."""
        here = self.here
        return f"{here[0]}-{here[1]}" if here else ""


def _start_for(enrollment: Enrollment) -> date:
    member = (
        CohortMember.objects.filter(
            user_id=enrollment.user_id, pathway__slug=enrollment.pathway_slug
        )
        .select_related("cohort")
        .order_by("-cohort__start_date", "-pk")
        .first()
    )
    cohort: Cohort | None = member.cohort if member else None
    if cohort is not None:
        return cohort.start_date
    return enrollment.started_on or enrollment.enrolled_at.date()


def _prefetched(instance: Any, name: str) -> bool:
    return name in getattr(instance, "_prefetched_objects_cache", {})


def _modules_and_labs(pathway: Pathway) -> tuple[list[Module], dict[int, list[Lab]]]:
    """The pathway's modules in week order and their labs by module (by order, then pk).
    A pathway read with its modules and labs prefetched (the pathway pages) costs no query."""
    labs: dict[int, list[Lab]] = {}
    if _prefetched(pathway, "modules") and all(
        _prefetched(m, "labs") for m in pathway.modules.all()
    ):
        modules = in_week_order(pathway.modules.all())
        for module in modules:
            ordered = sorted(module.labs.all(), key=lambda lab: (lab.order, lab.pk))
            if ordered:
                labs[module.pk] = ordered
        return modules, labs
    modules = in_week_order(Module.objects.filter(pathway=pathway))
    for lab in Lab.objects.filter(module__pathway=pathway).order_by("order", "pk"):
        labs.setdefault(lab.module_id, []).append(lab)
    return modules, labs


def journey_for(
    *, user: User, pathway: Pathway, today: date, enrollment: Enrollment | None = None
) -> Journey | None:
    """The signed-in learner's state on `pathway` (this version); None when not enrolled on it.

    Queries: enrolment (unless the caller passes the active `enrollment` it already
    holds), cohort start, modules, labs, progress, and the checks provider.
    """
    if not user.is_authenticated:
        return None
    if enrollment is None:
        enrollment = Enrollment.objects.filter(
            user=user, pathway=pathway, status=Enrollment.Status.ACTIVE
        ).first()
    if enrollment is None:
        return None
    start = _start_for(enrollment)
    day = rules.program_day(start=start, today=today)
    modules, labs = _modules_and_labs(pathway)
    stored: dict[Key, str] = {}
    checklists: dict[int, list[int]] = {}
    for module_id, lab_id, status, checklist in Progress.objects.filter(
        enrollment=enrollment
    ).values_list("module_id", "lab_id", "status", "checklist"):
        stored[("module", module_id) if module_id else ("lab", lab_id)] = status
        if lab_id:
            checklists[lab_id] = [i for i in checklist or [] if isinstance(i, int)]
    checked = checked_items(
        module_ids=[m.pk for m in modules], lab_ids=[lab.pk for ls in labs.values() for lab in ls]
    )
    order: list[Key] = []
    items: dict[Key, ItemStatus] = {}
    module_of: dict[Key, int] = {}
    titles: dict[Key, str] = {}
    for module in modules:
        due = rules.due_day(module.week_end)
        due_on = rules.day_date(start, due)
        titles[("module", module.pk)] = module.title
        titles.update({("lab", lab.pk): lab.title for lab in labs.get(module.pk, [])})
        for key in [("module", module.pk), *(("lab", lab.pk) for lab in labs.get(module.pk, []))]:
            status = stored.get(key, ItemState.NOT_STARTED.value)
            state = rules.item_state(status=status, due=due, day=day)
            is_checked = key in checked
            order.append(key)
            module_of[key] = module.pk
            items[key] = ItemStatus(
                key,
                state,
                due_on,
                checked=is_checked,
                self_reported=state is ItemState.DONE and not is_checked,
            )
    return Journey(enrollment, start, day, order, items, checklists, module_of, titles)


def neighbours(pathway: Pathway, module: Module) -> tuple[Module | None, Module | None]:
    """The previous and next module in week order (one query when modules are prefetched)."""
    modules = in_week_order(pathway.modules.all())
    index = next(i for i, m in enumerate(modules) if m.pk == module.pk)
    return (
        modules[index - 1] if index > 0 else None,
        modules[index + 1] if index + 1 < len(modules) else None,
    )


def item_target(*, kind: str, pk: int) -> tuple[str, str, str] | None:
    """(pathway slug, module slug, lab slug or "") of a schedule item, for links."""
    if kind == "lab":
        lab = Lab.objects.filter(pk=pk).select_related("module__pathway").first()
        if lab is None:
            return None
        return (lab.module.pathway.slug, lab.module.slug, lab.slug)
    module = Module.objects.filter(pk=pk).select_related("pathway").first()
    if module is None:
        return None
    return (module.pathway.slug, module.slug, "")


def checklist_texts(lab: Lab) -> list[str]:
    """The lab's checklist as text (entries may be strings or {"item"/"text"/"label": …})."""
    texts = []
    for entry in lab.checklist or []:
        if isinstance(entry, dict):
            entry = entry.get("item") or entry.get("text") or entry.get("label") or ""
        texts.append(str(entry))
    return texts


def lab_checklist_of(*, user: User, lab: Lab) -> list[int]:
    """The checklist items (0-based) the learner ticked and saved on the lab page."""
    row = (
        Progress.objects.filter(enrollment__user=user, lab=lab)
        .values_list("checklist", flat=True)
        .first()
    )
    return [i for i in row or [] if isinstance(i, int) and not isinstance(i, bool)]


def journeys_of(
    *, user: User, today: date, enrollments: list[Enrollment] | None = None
) -> list[Journey]:
    """Every active enrolment of the learner, the one with the nearest open item first
    (finished ones last). A few queries per enrolment; learners have a handful.
    `enrollments`: the learner's active enrolments (with their pathways) when the caller
    already read them."""
    journeys = []
    if enrollments is None:
        enrollments = list(
            Enrollment.objects.filter(user=user, status=Enrollment.Status.ACTIVE)
            .select_related("pathway")
            .order_by("-enrolled_at", "-pk")
        )
    for enrollment in enrollments:
        journey = journey_for(
            user=user, pathway=enrollment.pathway, today=today, enrollment=enrollment
        )
        if journey is not None:
            journeys.append(journey)

    def nearest(journey: Journey) -> tuple[int, date]:
        status = journey.next_status
        if status is None or status.due_on is None:
            return (1, date.max)
        return (0, status.due_on)

    return sorted(journeys, key=nearest)
