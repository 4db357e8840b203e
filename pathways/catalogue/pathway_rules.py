"""What makes a pathway document's content wrong, whatever its status, and what stops a
version from being published. Pure: no database."""

from pathways.models import Pathway

from .schema import PathwayDocBase


def content_problems(doc: PathwayDocBase) -> list[tuple[tuple, str]]:
    """What is wrong with a pathway's content whatever its status."""
    problems: list[tuple[tuple, str]] = []
    module_slugs: set[str] = set()
    lab_slugs: set[str] = set()
    for m_index, module in enumerate(doc.modules):
        base = ("modules", m_index)
        if module.slug in module_slugs:
            problems.append(((*base, "slug"), f"module {module.slug!r} appears twice"))
        module_slugs.add(module.slug)
        if module.week_end < module.week_start:
            problems.append(
                ((*base, "week_end"), f"week_end {module.week_end} is before week_start")
            )
        if module.week_end > doc.duration_weeks:
            problems.append(
                (
                    (*base, "week_end"),
                    f"week {module.week_end} is past the pathway's {doc.duration_weeks} weeks",
                )
            )
        for l_index, lab in enumerate(module.labs):
            if lab.slug in lab_slugs:
                # Certifications name labs by slug, so a slug means one lab per pathway.
                problems.append(
                    ((*base, "labs", l_index, "slug"), f"lab {lab.slug!r} appears twice")
                )
            lab_slugs.add(lab.slug)
    capstone_slugs: set[str] = set()
    for c_index, capstone in enumerate(doc.capstones):
        if capstone.slug in capstone_slugs:
            problems.append(
                (("capstones", c_index, "slug"), f"capstone {capstone.slug!r} appears twice")
            )
        capstone_slugs.add(capstone.slug)
    return problems


def publish_problems(doc: PathwayDocBase) -> list[tuple[tuple, str]]:
    """What stops a pathway version from being published (beyond `content_problems`)."""
    problems: list[tuple[tuple, str]] = []
    if doc.kind == Pathway.Kind.TRACK and not doc.role:
        problems.append((("role",), "a published role track needs a role"))
    if not doc.modules:
        problems.append((("modules",), "a published pathway needs at least one module"))
    for m_index, module in enumerate(doc.modules):
        if len(module.objectives) < 2:
            problems.append(
                (("modules", m_index, "objectives"), "a module needs at least two objectives")
            )
    # Learners go from module to module in this order; it must not go back in weeks.
    for m_index, (before, module) in enumerate(
        zip(doc.modules, doc.modules[1:], strict=False), start=1
    ):
        if (module.week_start, module.week_end) < (before.week_start, before.week_end):
            problems.append(
                (
                    ("modules", m_index),
                    f"it starts in week {module.week_start} but comes after a module "
                    f"starting in week {before.week_start}; order the modules by week",
                )
            )
    return problems
