"""Demo data: skill ratings from every source and one cohort on day 45 of its 90 days.

Runs after the organisation and the catalogue are seeded (settings.DEMO_SEEDERS).
Idempotent and deterministic: dates are fixed relative to the day it runs, so the
cohort is always mid-way, and running it again refreshes the same rows.
"""

import zlib
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from org.demo import DEMO_DOMAIN
from org.models import Membership, User
from pathways.models import (
    Cohort,
    CohortMember,
    Enrollment,
    Pathway,
    Progress,
    RoleSkill,
    SkillRating,
)

from . import rules, selectors, services

COHORT_NAME = "AI reliability cohort 1"
COHORT_DAY = 45  # the demo cohort is on this programme day whenever the demo is seeded
COHORT_TEAMS = ("sre", "ml-platform")
ON_TRACK, BEHIND, AT_RISK = "on_track", "behind", "at_risk"
PROFILES = {
    "learner": ON_TRACK,
    "amara.okafor": ON_TRACK,
    "chen.wei": ON_TRACK,
    "mateo.rossi": ON_TRACK,
    "priya.raman": ON_TRACK,
    "rosa.silva": ON_TRACK,
    "dana.kowalski": BEHIND,
    "bjorn.lund": BEHIND,
    "nadia.ali": BEHIND,
    "fatima.zahra": AT_RISK,
    "oskar.nowak": AT_RISK,
    "quinn.oconnor": AT_RISK,
    "eli.haddad": AT_RISK,
}
CHAMPIONS = ("amara.okafor", "mateo.rossi")
ML_ROLES = ("model-operator", "ml-engineer", "mlops-engineer")


def _say(message: str) -> None:
    print(f"  seed_progress: {message}")


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _stable(*parts: object) -> int:
    return zlib.crc32(":".join(str(p) for p in parts).encode())


def _moment(today: date, days_ago: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour)))


def _latest_published(role_slugs: tuple[str, ...] | str) -> Pathway | None:
    slugs = (role_slugs,) if isinstance(role_slugs, str) else role_slugs
    return (
        Pathway.objects.filter(
            role__slug__in=slugs, status=Pathway.Status.PUBLISHED, kind=Pathway.Kind.TRACK
        )
        .order_by("-published_at", "-version", "-pk")
        .first()
    )


def _target_level(profile: str | None, cell: RoleSkill, required: int, email: str) -> int:
    """The level the demo gives a person in a skill, by their cohort profile."""
    if profile == ON_TRACK:
        return max(cell.min_day60, min(required, cell.min_day60 + 1))
    if profile == BEHIND:
        return cell.min_day30
    if profile == AT_RISK:
        critical = cell.criticality >= rules.HIGH_CRITICALITY
        return max(1, cell.min_day30 - 1) if critical else cell.min_day30
    return 1 + _stable(email, cell.skill.slug) % max(required, 1)


def _rate(
    person: User, cell: RoleSkill, level: int, source: str, days_ago: int, *, today: date, **extra
) -> None:
    SkillRating.objects.update_or_create(
        person=person,
        skill=cell.skill,
        source_ref=f"demo:{source}",
        defaults={
            "level": max(1, min(5, level)),
            "source": source,
            "rated_at": _moment(today, days_ago),
            "note": extra.get("note", ""),
            "evidence_url": extra.get("evidence_url", ""),
            "rated_by": extra.get("rated_by"),
        },
    )


def _seed_ratings(
    today: date, manager: User | None, training_roles: dict[int, str] | None = None
) -> int:
    """Ratings in the skills of each person's role and, for a cohort member, of the role
    they train for there (the role of their cohort pathway), which the cohort's
    heatmap and at-risk list judge them against."""
    training_roles = training_roles or {}
    memberships = list(
        Membership.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}")
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    first: dict[int, Membership] = {}
    for membership in memberships:
        first.setdefault(membership.user_id, membership)
    _, cells_by_role = selectors.role_skills_by_slug(
        {m.job_role for m in first.values()} | set(training_roles.values())
    )
    count = 0
    for membership in first.values():
        person = membership.user
        local = person.email.split("@")[0]
        profile = PROFILES.get(local)
        role_slugs = [training_roles.get(person.pk, membership.job_role), membership.job_role]
        cells = {}
        for slug in role_slugs:
            for cell in cells_by_role.get(slug, []):
                cells.setdefault(cell.skill_id, cell)
        for cell in cells.values():
            required = cell.level_for(membership.career_level)
            level = _target_level(profile, cell, required, person.email)
            seed = _stable(person.email, cell.skill.slug)
            # Everyone assessed themselves before the programme; they tend to aim high.
            _rate(person, cell, level + 1, "self", 60, today=today, note="Before the programme.")
            if cell.criticality >= rules.HIGH_CRITICALITY:
                # Critical skills: the pre-programme skill check is the evidence that counts.
                _rate(person, cell, level, "assessment", COHORT_DAY - 3, today=today)
            elif cell.criticality == 3:
                source = ("incident_review", "code_review", "manager")[seed % 3]
                _rate(
                    person,
                    cell,
                    level,
                    source,
                    20 + seed % 10,
                    today=today,
                    rated_by=manager,
                    note={
                        "incident_review": "Postmortem of the summariser outage: ran the rollback.",
                        "code_review": "Review of the evaluation harness change.",
                        "manager": "Seen in the weekly on-call handover.",
                    }[source],
                    evidence_url="https://wiki.demo.example/evidence",
                )
            else:
                _rate(person, cell, level, "peer", 15 + seed % 10, today=today, note="Pairing.")
            count += 1
    return count


def _seed_progress(cohort: Cohort, today: date) -> str:
    """Progress by profile on the cohort's day: on track, behind, at risk."""
    day = rules.program_day(start=cohort.start_date, today=today)
    members = list(cohort.members.select_related("user", "pathway"))
    slugs = {m.pathway.slug for m in members if m.pathway}
    enrollments = {
        e.user_id: e
        for e in Enrollment.objects.filter(
            user__in=[m.user for m in members], pathway_slug__in=slugs
        ).select_related("pathway")
    }
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments.values()]).update(
        started_on=cohort.start_date
    )
    Progress.objects.filter(enrollment__in=list(enrollments.values())).delete()
    schedules = selectors.schedules_for_pathways(e.pathway_id for e in enrollments.values())
    rows = []
    for member in members:
        enrollment = enrollments.get(member.user_id)
        if enrollment is None:
            continue
        profile = PROFILES.get(member.user.email.split("@")[0], ON_TRACK)
        modules, labs = schedules[enrollment.pathway_id]
        items = selectors.schedule_for(modules, labs, start=cohort.start_date)
        done_until = {ON_TRACK: day - 1, BEHIND: 30, AT_RISK: 14}[profile]
        started_one = False
        for item in items:
            if item.due <= done_until:
                status = Progress.Status.DONE
            elif profile != AT_RISK and not started_one:
                status, started_one = Progress.Status.IN_PROGRESS, True
            else:
                continue
            done_at = _moment(cohort.start_date, -(item.due - 2)) if status == "done" else None
            rows.append(
                Progress(
                    enrollment=enrollment,
                    module=item.module if item.kind == "module" else None,
                    lab_id=item.pk if item.kind == "lab" else None,
                    status=status,
                    started_at=_moment(cohort.start_date, -max(0, item.due - 9)),
                    completed_at=done_at,
                )
            )
    Progress.objects.bulk_create(rows)
    return f"{len(rows)} progress rows over {len(enrollments)} enrolments"


@transaction.atomic
def seed_progress(today: date | None = None) -> None:
    today = today or timezone.localdate()
    if not RoleSkill.objects.exists():
        _say("no role × skill matrix yet (load the catalogue first); skipping ratings and cohort.")
        return
    manager = User.objects.filter(email=_email("manager")).first()
    author = User.objects.filter(email=_email("author")).first()

    sre_track = _latest_published("sre")
    if sre_track is None:
        rated = _seed_ratings(today, manager)
        _say(f"{rated} person × skill ratings refreshed from several sources.")
        _say("no published pathway for role 'sre' in the catalogue; skipping the demo cohort.")
        return
    pathways = [sre_track]
    ml_track = _latest_published(ML_ROLES)
    if ml_track is not None:
        pathways.append(ml_track)

    start = today - timedelta(days=COHORT_DAY - 1)
    cohort = Cohort.objects.filter(name=COHORT_NAME).first()
    if cohort is None:
        cohort = services.cohort_create(
            name=COHORT_NAME,
            start_date=start,
            pathways=pathways,
            sponsor=manager,
            created_by=author,
        )
    else:
        services.cohort_update(
            cohort=cohort, name=COHORT_NAME, start_date=start, pathways=pathways, sponsor=manager
        )
    people = list(
        User.objects.filter(
            memberships__team__slug__in=COHORT_TEAMS,
            email__in=[_email(local) for local in PROFILES],
        ).values_list("pk", flat=True)
    )
    services.cohort_add_members(cohort=cohort, user_ids=people)
    # Ratings after the members joined: each is judged against their cohort role's matrix.
    training_roles = dict(
        CohortMember.objects.filter(cohort=cohort, role__isnull=False).values_list(
            "user_id", "role__slug"
        )
    )
    rated = _seed_ratings(today, manager, training_roles)
    _say(f"{rated} person × skill ratings refreshed from several sources.")
    CohortMember.objects.filter(cohort=cohort).update(is_champion=False)
    CohortMember.objects.filter(
        cohort=cohort, user__email__in=[_email(c) for c in CHAMPIONS]
    ).update(is_champion=True)
    services.cohort_enrol(cohort=cohort)
    figures = _seed_progress(cohort, today)

    # Certifications are not handed out here: they are awarded by the assessments' scoring
    # when someone's evidence meets a certification's criteria.

    if manager is not None:
        counts = selectors.cohort_progress(cohort=cohort, viewer=manager, today=today).counts
        summary = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items())
        _say(f"cohort '{COHORT_NAME}' on day {COHORT_DAY}: {summary} ({figures}).")
