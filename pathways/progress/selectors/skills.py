"""Skill reads: who may record a rating, a person's skill profile, a team heatmap, the
role × skill matrix.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from org import access
from org.models import Membership, Team, User
from pathways.models import Role, RoleSkill, Skill, SkillRating

from .. import rules
from ..rules import CurrentLevel

HUMAN_SOURCES_FOR_MANAGERS = ("manager", "peer", "code_review", "incident_review")
RATING_FIELDS = ("id", "person_id", "skill_id", "level", "source", "rated_at")
DUE_SOON_DAYS = 14


# --- who may record what -------------------------------------------------------------


def rating_sources_for(*, rater: User, person: User) -> list[str]:
    """The rating sources `rater` may record for `person` by hand.

    Oneself: a self-assessment. A manager of one of the person's teams, or a
    platform admin: manager, peer, code review and incident review evidence.
    Assessment, lab and certification ratings are recorded by the system only.
    """
    if not rater.is_authenticated:
        return []
    if rater.pk == person.pk:
        return ["self"]
    if access.is_manager(rater) and access.can_view_person(rater, person):
        return list(HUMAN_SOURCES_FOR_MANAGERS)
    return []


# --- building blocks -----------------------------------------------------------------


def _levels_by_person_skill(
    ratings: Iterable[SkillRating], *, today: date
) -> dict[tuple[int, int], CurrentLevel]:
    grouped: dict[tuple[int, int], list[SkillRating]] = defaultdict(list)
    for rating in ratings:
        grouped[(rating.person_id, rating.skill_id)].append(rating)
    return {key: rules.current_level(rows, today=today) for key, rows in grouped.items()}


def role_skills_by_slug(slugs: Iterable[str]) -> tuple[dict[str, Role], dict[str, list[RoleSkill]]]:
    """Roles by slug and their matrix rows (most critical first), in one query."""
    cells = RoleSkill.objects.filter(role__slug__in=set(slugs)).select_related("role", "skill")
    roles: dict[str, Role] = {}
    by_role: dict[str, list[RoleSkill]] = defaultdict(list)
    for cell in cells.order_by("-criticality", "skill__name"):
        roles[cell.role.slug] = cell.role
        by_role[cell.role.slug].append(cell)
    return roles, by_role


def primary_membership(memberships: Iterable[Membership]) -> Membership | None:
    """The membership whose role a person is measured against: the earliest joined."""
    ordered = sorted(memberships, key=lambda m: (m.joined_at, m.pk))
    return ordered[0] if ordered else None


# --- a person's skill profile --------------------------------------------------------


@dataclass
class ProfileRow:
    skill: Skill
    current: CurrentLevel
    criticality: int | None = None  # None: not a skill of the person's role
    required: int | None = None
    minimums: tuple[int, int, int] | None = None
    ratings: list[SkillRating] = field(default_factory=list)

    @property
    def gap(self) -> int:
        if self.required is None:
            return 0
        return rules.skill_gap(required=self.required, current=self.current.level)

    @property
    def severity(self) -> str:
        if self.required is None or self.criticality is None:
            return ""
        return rules.cell_severity(
            criticality=self.criticality, required=self.required, current=self.current.level
        ).value


@dataclass
class SkillProfile:
    person: User
    membership: Membership | None
    role: Role | None
    rows: list[ProfileRow]

    @property
    def role_rows(self) -> list[ProfileRow]:
        return [r for r in self.rows if r.required is not None]

    @property
    def other_rows(self) -> list[ProfileRow]:
        return [r for r in self.rows if r.required is None]


def skill_profile(*, person: User, today: date) -> SkillProfile:
    """The person's level in each skill of their role (and any other skill they were
    rated in) against what their role and career level require, with every rating."""
    membership = primary_membership(Membership.objects.filter(user=person).select_related("team"))
    roles, cells = role_skills_by_slug([membership.job_role] if membership else [])
    role = roles.get(membership.job_role) if membership else None
    ratings = list(
        SkillRating.objects.filter(person=person)
        .select_related("skill", "rated_by")
        .order_by("-rated_at", "-pk")
    )
    by_skill: dict[int, list[SkillRating]] = defaultdict(list)
    for rating in ratings:
        by_skill[rating.skill_id].append(rating)
    rows = []
    seen: set[int] = set()
    for cell in cells.get(membership.job_role, []) if membership else []:
        seen.add(cell.skill_id)
        rows.append(
            ProfileRow(
                skill=cell.skill,
                current=rules.current_level(by_skill[cell.skill_id], today=today),
                criticality=cell.criticality,
                required=cell.level_for(membership.career_level),  # type: ignore[union-attr]
                minimums=(cell.min_day30, cell.min_day60, cell.min_day90),
                ratings=by_skill[cell.skill_id],
            )
        )
    others = {r.skill_id: r.skill for r in ratings if r.skill_id not in seen}
    for skill in sorted(others.values(), key=lambda s: s.name):
        rows.append(
            ProfileRow(
                skill=skill,
                current=rules.current_level(by_skill[skill.pk], today=today),
                ratings=by_skill[skill.pk],
            )
        )
    return SkillProfile(person=person, membership=membership, role=role, rows=rows)


def ratings_of(*, person: User) -> QuerySet[SkillRating]:
    return (
        SkillRating.objects.filter(person=person)
        .select_related("skill", "rated_by")
        .order_by("-rated_at", "-pk")
    )


# --- team heatmap --------------------------------------------------------------------


@dataclass
class HeatCell:
    skill: Skill
    criticality: int
    required: int
    current: CurrentLevel

    @property
    def gap(self) -> int:
        return rules.skill_gap(required=self.required, current=self.current.level)

    @property
    def severity(self) -> str:
        return rules.cell_severity(
            criticality=self.criticality, required=self.required, current=self.current.level
        ).value


@dataclass
class HeatRow:
    membership: Membership
    role: Role | None
    cells: dict[int, HeatCell]  # by skill id; absent: not a skill of this person's role
    score: int

    @property
    def person(self) -> User:
        return self.membership.user

    def cells_for(self, columns: list[Skill]) -> list[HeatCell | None]:
        return [self.cells.get(s.pk) for s in columns]

    @property
    def gaps(self) -> int:
        return sum(1 for c in self.cells.values() if c.gap)


@dataclass
class Heatmap:
    team: Team
    columns: list[Skill]  # grouped by category, most critical first
    column_criticality: dict[int, int]
    rows: list[HeatRow]  # worst first

    @property
    def header(self) -> list[tuple[Skill, int]]:
        return [(s, self.column_criticality[s.pk]) for s in self.columns]

    @property
    def groups(self) -> list[tuple[str, int]]:
        """(category, number of columns) in column order: the heatmap's grouped header."""
        out: list[tuple[str, int]] = []
        for skill in self.columns:
            label = skill.get_pillar_display()
            if out and out[-1][0] == label:
                out[-1] = (label, out[-1][1] + 1)
            else:
                out.append((label, 1))
        return out

    @property
    def table(self) -> list[tuple[HeatRow, list[HeatCell | None]]]:
        return [(row, row.cells_for(self.columns)) for row in self.rows]


def team_heatmap(*, team: Team, today: date) -> Heatmap:
    """Person × skill for a team: current level against what each person's role and
    career level require. Rows worst first (Σ criticality × gap), columns grouped by
    category, most critical first. Three queries whatever the team's size."""
    memberships = list(Membership.objects.filter(team=team).select_related("user"))
    roles, cells_by_role = role_skills_by_slug(m.job_role for m in memberships)
    skills: dict[int, Skill] = {}
    column_criticality: dict[int, int] = {}
    for cells in cells_by_role.values():
        for cell in cells:
            skills[cell.skill_id] = cell.skill
            column_criticality[cell.skill_id] = max(
                column_criticality.get(cell.skill_id, 0), cell.criticality
            )
    ratings = SkillRating.objects.filter(
        person_id__in=Membership.objects.filter(team=team).values("user_id"),
        skill_id__in=list(skills),
    ).only(*RATING_FIELDS)
    levels = _levels_by_person_skill(ratings, today=today)
    nothing = rules.current_level((), today=today)
    rows = []
    for membership in memberships:
        cells = {}
        for cell in cells_by_role.get(membership.job_role, []):
            cells[cell.skill_id] = HeatCell(
                skill=cell.skill,
                criticality=cell.criticality,
                required=cell.level_for(membership.career_level),
                current=levels.get((membership.user_id, cell.skill_id), nothing),
            )
        score = rules.priority_score(
            (c.criticality, c.required, c.current.level) for c in cells.values()
        )
        rows.append(HeatRow(membership, roles.get(membership.job_role), cells, score))
    rows.sort(key=lambda r: (-r.score, (r.person.full_name or r.person.email).lower()))
    # Columns grouped by category (the group with the most critical skill first), most
    # critical first inside a group.
    group_rank: dict[str, int] = {}
    for skill in skills.values():
        group_rank[skill.pillar] = max(
            group_rank.get(skill.pillar, 0), column_criticality[skill.pk]
        )
    columns = sorted(
        skills.values(),
        key=lambda s: (
            -group_rank[s.pillar],
            s.get_pillar_display(),
            -column_criticality[s.pk],
            s.name,
        ),
    )
    return Heatmap(team=team, columns=columns, column_criticality=column_criticality, rows=rows)


# --- matrix --------------------------------------------------------------------------


def matrix_cells() -> QuerySet[RoleSkill]:
    return RoleSkill.objects.select_related("role", "skill").order_by(
        "role__name", "-criticality", "skill__name"
    )


def matrix_overview() -> tuple[list[Role], list[tuple[Skill, list[RoleSkill | None]]]]:
    """Roles as columns, skills as rows, each cell the role × skill row (or None)."""
    roles = list(Role.objects.order_by("name"))
    cells = {(c.role_id, c.skill_id): c for c in RoleSkill.objects.all()}
    skills = list(Skill.objects.order_by("pillar", "name"))
    rows = [
        (skill, [cells.get((role.pk, skill.pk)) for role in roles])
        for skill in skills
        if any((role.pk, skill.pk) in cells for role in roles)
    ]
    return roles, rows
