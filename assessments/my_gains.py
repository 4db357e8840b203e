"""A learner's own pre/post gain: per pathway (or stand-alone skill check) and per skill."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from org.models import User
from pathways.models import Skill

from . import post_check
from .models import Assessment, Attempt
from .selectors import Gain, normalised_gain

HUNDRED = Decimal(100)


@dataclass
class MyGain:
    """One pathway's skill check(s) for one learner."""

    title: str
    checks: list[Assessment]
    pre: Decimal | None = None
    post: Decimal | None = None
    pre_at: object = None
    post_at: object = None
    skills: list[Gain] = field(default_factory=list)  # of each Skill
    post_closed: str | None = None  # why the post check is not open yet

    @property
    def gain(self) -> Decimal | None:
        return normalised_gain(self.pre, self.post)


def _percent_by_skill(breakdown: dict) -> dict[int, Decimal]:
    out = {}
    for sid, part in ((breakdown or {}).get("skills") or {}).items():
        try:
            points, most = Decimal(str(part["points"])), Decimal(str(part["max"]))
        except (KeyError, TypeError, ArithmeticError):
            continue
        if most > 0 and str(sid).isdigit():
            out[int(sid)] = (points / most * HUNDRED).quantize(Decimal("0.01"))
    return out


def gains_of(*, user: User) -> list[MyGain]:
    """Every published skill check the learner may take or has taken, grouped by pathway:
    the first scored pre attempt, the latest scored post attempt, the normalised gain
    overall and per skill (from each attempt's per-skill breakdown). Four queries and
    those of the post-check rule per pathway."""
    taken = set(
        Attempt.objects.filter(user=user, assessment__kind=Assessment.Kind.SKILL_CHECK)
        .values_list("assessment_id", flat=True)
        .distinct()
    )
    enrolled = user.enrollments.filter(status="active").values("pathway_slug")
    checks = list(
        Assessment.objects.filter(kind=Assessment.Kind.SKILL_CHECK)
        .filter(Q(pk__in=taken) | Q(is_published=True, pathway__slug__in=enrolled))
        .select_related("pathway")
        .order_by("title", "pk")
    )
    groups: dict[str, MyGain] = {}
    key_of: dict[int, str] = {}
    for check in checks:
        key = check.pathway.slug if check.pathway else f"check:{check.slug}"
        key_of[check.pk] = key
        title = check.pathway.title if check.pathway else check.title
        group = groups.setdefault(key, MyGain(title, []))
        group.checks.append(check)
    attempts = (
        Attempt.objects.filter(
            user=user,
            assessment_id__in=list(key_of),
            status=Attempt.Status.SCORED,
            phase__in=["pre", "post"],
        )
        .select_related("score")
        .order_by("submitted_at", "pk")
    )
    pre_skills: dict[str, dict[int, Decimal]] = {}
    post_skills: dict[str, dict[int, Decimal]] = {}
    for attempt in attempts:
        group = groups[key_of[attempt.assessment_id]]
        key = key_of[attempt.assessment_id]
        if attempt.phase == "pre" and group.pre is None:
            group.pre, group.pre_at = attempt.score.percent, attempt.submitted_at
            pre_skills[key] = _percent_by_skill(attempt.score.breakdown)
        elif attempt.phase == "post":
            group.post, group.post_at = attempt.score.percent, attempt.submitted_at
            post_skills[key] = _percent_by_skill(attempt.score.breakdown)
    skill_ids = {sid for d in (*pre_skills.values(), *post_skills.values()) for sid in d}
    skills = Skill.objects.in_bulk(skill_ids)
    for key, group in groups.items():
        pre, post = pre_skills.get(key, {}), post_skills.get(key, {})
        group.skills = sorted(
            (Gain(skills[sid], pre.get(sid), post.get(sid)) for sid in set(pre) | set(post)),
            key=lambda g: g.subject.name,
        )
        post_checks = [c for c in group.checks if c.check_phase in ("post", "both")]
        if post_checks and group.post is None:
            group.post_closed = post_check.post_check_closed(user=user, assessment=post_checks[0])
    return sorted(groups.values(), key=lambda g: g.title)
