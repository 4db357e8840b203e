"""Cohort reads: proposals, who may see or manage a cohort, schedules and each
member's progress.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Count, Q, QuerySet

from org import access
from org.models import Membership, Team, User
from pathways.models import (
    Cohort,
    CohortMember,
    Enrollment,
    Lab,
    Module,
    Pathway,
    Progress,
    Role,
    RoleSkill,
    SkillRating,
)

from .. import rules
from ..rules import CurrentLevel, ItemState, LearnerStatus, Phase, StatusVerdict
from .skills import DUE_SOON_DAYS, RATING_FIELDS, _levels_by_person_skill, role_skills_by_slug


@dataclass
class CandidateRow:
    person: User
    membership: Membership
    role: Role | None
    score: int | None  # None: the viewer may not see this person's skill data
    critical_gaps: int | None

    @property
    def role_weight(self) -> int:
        return self.role.exposure * self.role.influence if self.role else 0


@dataclass
class RoleNeed:
    role: Role
    people: int
    mean_score: float

    @property
    def weight(self) -> int:
        return self.role.exposure * self.role.influence

    @property
    def priority(self) -> float:
        return round(self.weight * self.mean_score, 1)


@dataclass
class Proposal:
    roles: list[RoleNeed]
    candidates: list[CandidateRow]
    proposed_ids: list[int]
    shows_scores: bool


def proposal_pool(viewer: User) -> QuerySet[Team]:
    """Teams whose people a viewer may put in a cohort: managed teams; all for authors."""
    if access.is_author(viewer):
        return Team.objects.all()
    return access.teams_managed_by(viewer)


def cohort_proposal(*, viewer: User, today: date, size: int = 12) -> Proposal:
    """Rank people by need (Σ criticality × gap over their role's skills) and roles by
    exposure × influence × mean need, and propose the first `size` people.

    People whose skill data the viewer may not see (an author's view of teams they do
    not manage) are ordered by their role's priority instead and show no score.
    """
    memberships = list(
        Membership.objects.filter(team__in=proposal_pool(viewer))
        .select_related("user", "team")
        .order_by("joined_at", "pk")
    )
    first: dict[int, Membership] = {}
    for membership in memberships:
        first.setdefault(membership.user_id, membership)
    visible = set(
        access.people_visible_to(viewer).filter(pk__in=list(first)).values_list("pk", flat=True)
    )
    roles, cells_by_role = role_skills_by_slug(m.job_role for m in first.values())
    skill_ids = {c.skill_id for cells in cells_by_role.values() for c in cells}
    ratings = SkillRating.objects.filter(
        person_id__in=list(first), skill_id__in=list(skill_ids)
    ).only(*RATING_FIELDS)
    levels = _levels_by_person_skill(ratings, today=today)
    nothing = rules.current_level((), today=today)

    scores: dict[int, tuple[int, int]] = {}
    role_scores: dict[str, list[int]] = defaultdict(list)
    for user_id, membership in first.items():
        cells = cells_by_role.get(membership.job_role, [])
        triples = [
            (
                c.criticality,
                c.level_for(membership.career_level),
                levels.get((user_id, c.skill_id), nothing).level,
            )
            for c in cells
        ]
        score = rules.priority_score(triples)
        critical = sum(
            1
            for crit, req, cur in triples
            if crit >= rules.HIGH_CRITICALITY and rules.skill_gap(required=req, current=cur) >= 2
        )
        scores[user_id] = (score, critical)
        if membership.job_role in roles:
            role_scores[membership.job_role].append(score)

    role_needs = sorted(
        (
            RoleNeed(roles[slug], len(values), sum(values) / len(values))
            for slug, values in role_scores.items()
        ),
        key=lambda r: (-r.priority, r.role.name),
    )
    role_rank = {need.role.slug: i for i, need in enumerate(role_needs)}
    role_priority = {need.role.slug: need.priority for need in role_needs}

    shown = [m for uid, m in first.items() if uid in visible and uid != viewer.pk]
    hidden = [m for uid, m in first.items() if uid not in visible]
    ranked = rules.rank_candidates(
        rules.Candidate(
            person_id=m.user_id,
            name=m.user.full_name or m.user.email,
            score=scores[m.user_id][0],
            role_weight=roles[m.job_role].exposure * roles[m.job_role].influence
            if m.job_role in roles
            else 0,
        )
        for m in shown
    )
    candidates = [
        CandidateRow(
            person=first[c.person_id].user,
            membership=first[c.person_id],
            role=roles.get(first[c.person_id].job_role),
            score=c.score,
            critical_gaps=scores[c.person_id][1],
        )
        for c in ranked
    ]
    hidden.sort(
        key=lambda m: (
            role_rank.get(m.job_role, len(role_rank)),
            (m.user.full_name or m.user.email).lower(),
        )
    )
    candidates += [
        CandidateRow(m.user, m, roles.get(m.job_role), score=None, critical_gaps=None)
        for m in hidden
    ]
    proposed = [
        c.person.pk
        for c in candidates
        if (c.score is not None and c.score > 0)
        or (c.score is None and role_priority.get(c.membership.job_role, 0) > 0)
    ][:size]
    return Proposal(role_needs, candidates, proposed, shows_scores=bool(shown))


# --- cohorts: visibility -------------------------------------------------------------


def cohorts_visible_to(user: User) -> QuerySet[Cohort]:
    """Authors and admins: every cohort (they run them). Managers: cohorts they sponsor
    or with a member in a team they manage. Everyone: cohorts they are in."""
    if access.is_author(user) or access.is_admin(user):
        return Cohort.objects.all()
    condition = Q(members__user=user)
    if access.is_manager(user):
        condition |= Q(sponsor=user) | Q(
            members__user__memberships__team__in=access.teams_managed_by(user)
        )
    return Cohort.objects.filter(pk__in=Cohort.objects.filter(condition).values("pk"))


def can_manage_cohort(user: User, cohort: Cohort) -> bool:
    """Change members, champions, details and enrol: authors, admins and the sponsor."""
    return access.is_author(user) or access.is_admin(user) or cohort.sponsor_id == user.pk


def cohort_list(*, viewer: User) -> QuerySet[Cohort]:
    return (
        cohorts_visible_to(viewer)
        .select_related("sponsor")
        .prefetch_related("pathways")
        .annotate(member_count=Count("members", distinct=True))
    )


# --- schedules and progress ----------------------------------------------------------


@dataclass(frozen=True)
class ScheduleItem:
    kind: str  # "module" or "lab"
    pk: int
    title: str
    module: Module
    due: int  # programme day
    due_on: date | None

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.pk)

    @property
    def phase(self) -> Phase:
        return rules.phase_for_day(self.due)


def schedule_for(
    modules: Iterable[Module], labs: Iterable[Lab], *, start: date | None
) -> list[ScheduleItem]:
    """Modules in order, each followed by its labs; all due at the end of the module's
    last week (rules.due_day)."""
    labs_by_module: dict[int, list[Lab]] = defaultdict(list)
    for lab in labs:
        labs_by_module[lab.module_id].append(lab)
    items = []
    for module in sorted(modules, key=lambda m: m.order):
        due = rules.due_day(module.week_end)
        due_on = rules.day_date(start, due) if start else None
        items.append(ScheduleItem("module", module.pk, module.title, module, due, due_on))
        for lab in sorted(labs_by_module[module.pk], key=lambda x: (x.order, x.pk)):
            items.append(ScheduleItem("lab", lab.pk, lab.title, module, due, due_on))
    return items


@dataclass
class ItemProgress:
    item: ScheduleItem
    status: str  # stored status
    state: ItemState  # with overdue derived


@dataclass
class LearnerProgress:
    enrollment: Enrollment | None
    start: date | None
    day: int
    items: list[ItemProgress]
    verdict: StatusVerdict
    skills: list[rules.SkillInput]

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.state is ItemState.DONE)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def completion(self) -> int:
        return rules.completion_pct(done=self.done, total=self.total)

    @property
    def phase(self) -> Phase:
        return rules.phase_for_day(self.day)

    @property
    def week(self) -> int:
        return rules.week_for_day(self.day)

    @property
    def status(self) -> LearnerStatus:
        return self.verdict.status

    @property
    def next_item(self) -> ItemProgress | None:
        """The first item in schedule order that is not done."""
        return next((i for i in self.items if i.state is not ItemState.DONE), None)

    def due_between(self, first_day: int, last_day: int) -> list[ItemProgress]:
        return [
            i
            for i in self.items
            if i.state is not ItemState.DONE and first_day <= i.item.due <= last_day
        ]

    @property
    def overdue_items(self) -> list[ItemProgress]:
        return [i for i in self.items if i.state is ItemState.OVERDUE]

    @property
    def due_soon(self) -> list[ItemProgress]:
        """Open items due within the next DUE_SOON_DAYS days (overdue ones excluded)."""
        last = self.day + DUE_SOON_DAYS - 1
        return [
            i
            for i in self.items
            if i.state in (ItemState.NOT_STARTED, ItemState.IN_PROGRESS) and i.item.due <= last
        ]


def _progress_for(
    *,
    enrollment: Enrollment | None,
    start: date | None,
    schedule: list[ScheduleItem],
    stored: dict[tuple[str, int], str],
    skills: list[rules.SkillInput],
    today: date,
) -> LearnerProgress:
    day = rules.program_day(start=start, today=today) if start else 0
    items = [
        ItemProgress(
            item,
            stored.get(item.key, ItemState.NOT_STARTED.value),
            rules.item_state(
                status=stored.get(item.key, ItemState.NOT_STARTED.value), due=item.due, day=day
            ),
        )
        for item in schedule
    ]
    verdict = rules.learner_status(
        day=day, items=[rules.ItemInput(i.item.due, i.status) for i in items], skills=skills
    )
    return LearnerProgress(enrollment, start, day, items, verdict, skills)


def schedules_for_pathways(pathway_ids: Iterable[int]) -> dict[int, tuple[list[Module], list[Lab]]]:
    ids = set(pathway_ids)
    modules = list(Module.objects.filter(pathway_id__in=ids).order_by("order"))
    labs = list(Lab.objects.filter(module__pathway_id__in=ids).order_by("module_id", "order"))
    module_pathway = {m.pk: m.pathway_id for m in modules}
    out: dict[int, tuple[list[Module], list[Lab]]] = {pid: ([], []) for pid in ids}
    for module in modules:
        out[module.pathway_id][0].append(module)
    for lab in labs:
        out[module_pathway[lab.module_id]][1].append(lab)
    return out


def _stored_progress(
    enrollments: QuerySet[Enrollment] | list[int],
) -> dict[int, dict[tuple[str, int], str]]:
    out: dict[int, dict[tuple[str, int], str]] = defaultdict(dict)
    for enrollment_id, module_id, lab_id, status in Progress.objects.filter(
        enrollment_id__in=enrollments
    ).values_list("enrollment_id", "module_id", "lab_id", "status"):
        key = ("module", module_id) if module_id else ("lab", lab_id)
        out[enrollment_id][key] = status
    return out


def _skill_inputs(
    cells: list[RoleSkill], levels: dict[tuple[int, int], CurrentLevel], person_id: int
) -> list[rules.SkillInput]:
    return [
        rules.SkillInput(
            name=c.skill.name,
            criticality=c.criticality,
            current=levels[(person_id, c.skill_id)].level
            if (person_id, c.skill_id) in levels
            else rules.NO_EVIDENCE,
            minimums=(c.min_day30, c.min_day60, c.min_day90),
        )
        for c in cells
    ]


@dataclass
class MemberRow:
    member: CohortMember
    visible: bool  # may the viewer see this person's progress?
    progress: LearnerProgress | None  # None when not visible

    @property
    def person(self) -> User:
        return self.member.user


@dataclass
class CohortProgress:
    cohort: Cohort
    day: int
    rows: list[MemberRow]
    counts: dict[str, int]  # status -> members, over every enrolled member

    @property
    def phase(self) -> Phase:
        return rules.phase_for_day(self.day)

    @property
    def week(self) -> int:
        return rules.week_for_day(self.day)

    @property
    def phases(self) -> list[tuple[Phase, date, date]]:
        return rules.phase_dates(self.cohort.start_date)

    @property
    def count_list(self) -> list[tuple[LearnerStatus, int]]:
        return [(s, self.counts[s.value]) for s in LearnerStatus]

    @property
    def champions(self) -> list[User]:
        return [r.person for r in self.rows if r.member.is_champion]


STATUS_ORDER = {LearnerStatus.AT_RISK: 0, LearnerStatus.BEHIND: 1, LearnerStatus.ON_TRACK: 2}


def cohort_progress(*, cohort: Cohort, viewer: User, today: date) -> CohortProgress:
    """Every member's progress and status on the cohort's schedule; at risk first.

    Per-person progress only for people the viewer may see (org.access); the status
    counts cover every member. A fixed number of queries whatever the cohort's size (14).
    """
    # A cohort has a handful of roles and pathways: each is loaded once and shared by
    # its members (prefetched), not joined and built again on every member's row.
    members = list(
        CohortMember.objects.filter(cohort=cohort)
        .select_related("user")
        .prefetch_related("role", "pathway")
    )
    member_users = CohortMember.objects.filter(cohort=cohort).values("user_id")
    if access.is_admin(viewer):
        visible = {m.user_id for m in members}
    else:
        visible = set(
            access.people_visible_to(viewer)
            .filter(pk__in=member_users)
            .values_list("pk", flat=True)
        )
    slugs = {m.pathway.slug for m in members if m.pathway}
    enrollments = {
        (e.user_id, e.pathway_slug): e
        for e in Enrollment.objects.filter(user_id__in=member_users, pathway_slug__in=slugs)
    }
    schedules = schedules_for_pathways(e.pathway_id for e in enrollments.values())
    stored = _stored_progress(
        Enrollment.objects.filter(user_id__in=member_users, pathway_slug__in=slugs).values("pk")
    )
    role_ids = {m.role_id for m in members if m.role_id}
    cells_by_role: dict[int, list[RoleSkill]] = defaultdict(list)
    for cell in (
        RoleSkill.objects.filter(role_id__in=role_ids)
        .select_related("skill")
        .order_by("-criticality", "skill__name")
    ):
        cells_by_role[cell.role_id].append(cell)
    skill_ids = {c.skill_id for cells in cells_by_role.values() for c in cells}
    levels = _levels_by_person_skill(
        SkillRating.objects.filter(person_id__in=member_users, skill_id__in=skill_ids).only(
            *RATING_FIELDS
        ),
        today=today,
    )

    # Every member of a pathway shares its schedule, and members with the same stored
    # progress and skill levels share the same items and verdict: each distinct case is
    # worked out once (a new cohort is mostly people who have not started).
    schedule_by_pathway: dict[int, list[ScheduleItem]] = {}
    worked: dict[tuple, LearnerProgress] = {}
    rows: list[MemberRow] = []
    counts = {s.value: 0 for s in LearnerStatus}
    for member in members:
        enrollment = (
            enrollments.get((member.user_id, member.pathway.slug)) if member.pathway else None
        )
        if enrollment is not None:
            schedule = schedule_by_pathway.get(enrollment.pathway_id)
            if schedule is None:
                modules, labs = schedules.get(enrollment.pathway_id, ([], []))
                schedule = schedule_by_pathway[enrollment.pathway_id] = schedule_for(
                    modules, labs, start=cohort.start_date
                )
            member_stored = stored.get(enrollment.pk, {})
            skills = _skill_inputs(cells_by_role.get(member.role_id, []), levels, member.user_id)
            case = (enrollment.pathway_id, tuple(sorted(member_stored.items())), tuple(skills))
            same = worked.get(case)
            if same is None:
                same = worked[case] = _progress_for(
                    enrollment=enrollment,
                    start=cohort.start_date,
                    schedule=schedule,
                    stored=member_stored,
                    skills=skills,
                    today=today,
                )
            progress = replace(same, enrollment=enrollment, items=list(same.items), skills=skills)
            counts[progress.status.value] += 1
        else:
            progress = None
        shown = member.user_id in visible
        rows.append(MemberRow(member, shown, progress if shown else None))
    rows.sort(
        key=lambda r: (
            not r.visible,
            STATUS_ORDER[r.progress.status] if r.progress else 3,
            (r.person.full_name or r.person.email).lower(),
        )
    )
    day = rules.program_day(start=cohort.start_date, today=today)
    return CohortProgress(cohort, day, rows, counts)


@dataclass
class CohortSchedule:
    pathway: Pathway
    items: list[ScheduleItem]


def cohort_schedule(*, cohort: Cohort) -> list[CohortSchedule]:
    pathways = list(cohort.pathways.order_by("title", "pk"))
    schedules = schedules_for_pathways(p.pk for p in pathways)
    return [
        CohortSchedule(p, schedule_for(*schedules[p.pk], start=cohort.start_date)) for p in pathways
    ]


def cohort_minimums(*, cohort: Cohort) -> list[tuple[Role, list[RoleSkill]]]:
    """The day-30/60/90 minimums of each role in the cohort."""
    role_ids = CohortMember.objects.filter(cohort=cohort, role__isnull=False).values("role_id")
    out: dict[int, tuple[Role, list[RoleSkill]]] = {}
    for cell in (
        RoleSkill.objects.filter(role_id__in=role_ids)
        .select_related("role", "skill")
        .order_by("role__name", "-criticality", "skill__name")
    ):
        out.setdefault(cell.role_id, (cell.role, []))[1].append(cell)
    return list(out.values())
