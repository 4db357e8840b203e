"""Reads for assessments: what a learner, manager, reviewer or author may see.

Who may see whose attempts is decided by `org.access`; what of an attempt a
learner may see (feedback, correct answers) by the assessment's policy, here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet

from org import access
from org.models import Team, User
from pathways.models import CertificationAward

from . import artifacts, opaque, scoring
from .models import (
    Assessment,
    AssessmentQuestion,
    Attempt,
    ItemStatistic,
    Question,
    QuestionBank,
    Response,
    Review,
    Score,
)

Status = Attempt.Status
SMALL_SAMPLE = 30

# --- learners ----------------------------------------------------------------------------


def assessments_for_learner(*, user: User) -> QuerySet[Assessment]:
    """Published assessments with the learner's attempt count and best score, in one query."""
    mine = Q(attempts__user=user)
    return (
        Assessment.objects.filter(is_published=True)
        .select_related("module", "pathway", "lab")
        .annotate(
            my_attempts=Count("attempts", filter=mine, distinct=True),
            my_best=Max("attempts__score__percent", filter=mine),
        )
        .order_by("kind", "title")
    )


def attempts_of(*, user: User) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user).select_related("assessment", "score")


def attempts_visible_to(*, viewer: User) -> QuerySet[Attempt]:
    """Attempts of the people `viewer` may see: their own, their teams' (managers), all (admins)."""
    people = access.people_visible_to(viewer)
    return Attempt.objects.filter(user_id__in=people.values("pk")).select_related(
        "assessment", "user", "score"
    )


def attempt_for_viewer(*, viewer: User, attempt_id: int) -> Attempt | None:
    return attempts_visible_to(viewer=viewer).filter(pk=attempt_id).first()


def certificates_of(*, user: User) -> QuerySet[CertificationAward]:
    return CertificationAward.objects.filter(user=user).select_related("certification")


_CERT_SALT = "assessments.certificate"


def certificate_token(award: CertificationAward) -> str:
    """An unguessable link to one award, for sharing with colleagues."""
    return signing.Signer(salt=_CERT_SALT).sign(str(award.pk)).replace(":", "-")


def award_from_token(token: str) -> CertificationAward | None:
    try:
        pk = int(signing.Signer(salt=_CERT_SALT).unsign(token.replace("-", ":", 1)))
    except (signing.BadSignature, ValueError):
        return None
    return (
        CertificationAward.objects.select_related("certification", "user")
        .prefetch_related("certification__skills")
        .filter(pk=pk)
        .first()
    )


# --- one attempt, as its owner may see it -------------------------------------------------


@dataclass
class ItemView:
    number: int
    question: Question
    choices: list[tuple[str, str]] = field(default_factory=list)
    prompts: list[tuple[str, str]] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    answer: Any = None
    checked: bool = False
    points: Decimal | None = None
    outcome: str = ""
    your_answer: list[str] = field(default_factory=list)
    feedback: list[str] | None = None
    general_feedback: str = ""
    correct: list[str] | None = None

    @property
    def qtype(self) -> str:
        return self.question.qtype

    @property
    def selected(self) -> set[str]:
        if isinstance(self.answer, list):
            return {str(a) for a in self.answer}
        return {str(self.answer)} if self.answer is not None else set()

    @property
    def position_range(self) -> range:
        return range(1, len(self.choices) + 1)

    @property
    def positions(self) -> dict[str, int]:
        """Ordering: the position (1-based) the learner gave each item."""
        if isinstance(self.answer, list):
            return {item: n for n, item in enumerate(self.answer, start=1)}
        return {}


@dataclass
class LabPartView:
    kind: str
    title: str
    answer: Any
    points: Decimal | None
    max_points: Decimal | None
    feedback: list[str] | None


@dataclass
class AttemptView:
    attempt: Attempt
    items: list[ItemView]
    feedback_visible: bool
    answers_visible: bool
    score: Score | None
    lab_parts: list[LabPartView] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)
    ticked: set[int] = field(default_factory=set)
    artifact_schema: str = ""
    artifact_example: str = ""
    reviews: list[Review] = field(default_factory=list)
    attempts_used: int = 0

    @property
    def in_progress(self) -> bool:
        return self.attempt.status == Status.IN_PROGRESS

    @property
    def answered(self) -> int:
        return sum(1 for i in self.items if not scoring._is_empty(i.answer))


def is_final(attempt: Attempt) -> bool:
    """The learner has passed this assessment, or has no attempts left."""
    owner_attempts = Attempt.objects.filter(
        assessment_id=attempt.assessment_id, user_id=attempt.user_id
    )
    if Score.objects.filter(attempt__in=owner_attempts, passed=True).exists():
        return True
    allowed = attempt.assessment.attempts_allowed
    return bool(
        allowed
        and owner_attempts.count() >= allowed
        and not owner_attempts.filter(status=Status.IN_PROGRESS).exists()
    )


def feedback_visible(attempt: Attempt) -> bool:
    """Per-question feedback: after each question (checked ones only), or once scored."""
    timing = attempt.assessment.feedback_timing
    if timing == Assessment.FeedbackTiming.NEVER:
        return False
    if timing == Assessment.FeedbackTiming.IMMEDIATE:
        return True
    return attempt.status == Status.SCORED


def answers_visible(attempt: Attempt) -> bool:
    """Correct answers: with the feedback, once final (passed / no attempts left), or never."""
    timing = attempt.assessment.answers_timing
    if timing == Assessment.AnswersTiming.NEVER:
        return False
    if timing == Assessment.AnswersTiming.WITH_FEEDBACK:
        return feedback_visible(attempt)
    return attempt.status == Status.SCORED and is_final(attempt)


def _choices(question: Question, layout_order: list[str] | None) -> list[tuple[str, str]]:
    spec = question.spec
    if question.qtype in ("single", "multiple"):
        texts = {c["id"]: c["text"] for c in spec["choices"]}
    elif question.qtype == "ordering":
        texts = {i["id"]: i["text"] for i in spec["items"]}
    else:
        return []
    order = layout_order or list(texts)
    return [(cid, texts[cid]) for cid in order if cid in texts]


def attempt_view(*, attempt: Attempt, viewer: User | None = None) -> AttemptView:
    """Everything the attempt's owner may see now, per the assessment's policy.

    Anyone else looking (a manager of the owner's team, an author, an admin) sees the
    score and totals only: no answers, per-question outcomes, points or feedback, since
    they may be taking the same assessment.
    """
    attempt = (
        Attempt.objects.select_related(
            "assessment", "assessment__lab", "assessment__capstone", "score", "user"
        )
        .filter(pk=attempt.pk)
        .first()
    )
    assessment = attempt.assessment
    scored = attempt.status == Status.SCORED
    show_feedback = feedback_visible(attempt)
    show_answers = answers_visible(attempt)
    someone_else = viewer is not None and viewer.pk != attempt.user_id
    if someone_else:
        show_answers = show_feedback = False
    layout = attempt.layout
    qids = [int(q) for q in layout.get("questions", [])]
    questions = Question.objects.in_bulk(qids)
    responses = {r.question_id: r for r in attempt.responses.all() if r.question_id}
    parts = {r.kind: r for r in attempt.responses.all() if not r.question_id}
    items = []
    for number, qid in enumerate(qids, start=1):
        question = questions.get(qid)
        if question is None:
            continue
        response = responses.get(qid)
        order = layout.get("choices", {}).get(str(qid))
        item = ItemView(
            number=number,
            question=question,
            choices=[
                (opaque.to_public(layout, qid, cid), text)
                for cid, text in _choices(question, order)
            ],
        )
        if question.qtype == "matching":
            item.prompts = [(p["id"], p["prompt"]) for p in question.spec["pairs"]]
            item.options = order or scoring.MatchingSpec.model_validate(question.spec).options
        if someone_else:
            items.append(item)
            continue
        if response is not None:
            item.answer = opaque.to_public(layout, qid, response.answer)
            item.checked = response.checked_at is not None
            item.your_answer = scoring.describe_answer(
                question.qtype, question.spec, response.answer
            )
        # Before scoring, only checked questions (instant feedback) reveal anything.
        reveal = scored or item.checked
        if reveal and show_feedback:
            if scored and response is not None:
                item.points, item.outcome = response.points, response.outcome
                item.feedback = list(response.feedback)
            elif response is not None:
                result = scoring.score(question.qtype, question.spec, response.answer)
                item.points = result.points(question.points)
                item.outcome = result.outcome.value
                item.feedback = list(result.feedback)
            item.general_feedback = question.general_feedback
        if reveal and show_answers:
            item.correct = scoring.correct_answer(question.qtype, question.spec)
        items.append(item)
    view = AttemptView(
        attempt=attempt,
        items=items,
        feedback_visible=show_feedback,
        answers_visible=show_answers,
        score=getattr(attempt, "score", None) if scored else None,
        attempts_used=Attempt.objects.filter(assessment=assessment, user=attempt.user).count(),
    )
    if assessment.kind == Assessment.Kind.LAB_CHECK:
        view.checklist = list(layout.get("checklist", []))
        checklist = parts.get(Response.Kind.CHECKLIST)
        view.ticked = set(checklist.answer or []) if checklist else set()
        view.artifact_schema = layout.get("artifact_schema", "")
        schema = artifacts.SCHEMAS.get(view.artifact_schema)
        view.artifact_example = schema.example if schema else ""
        for kind, title in (
            (Response.Kind.CHECKLIST, "Checklist"),
            (Response.Kind.ARTIFACT, "Artifact"),
        ):
            part = parts.get(kind)
            if part is None:
                continue
            view.lab_parts.append(
                LabPartView(
                    kind=kind,
                    title=title,
                    answer=part.answer,
                    points=part.points if scored else None,
                    max_points=part.max_points if scored else None,
                    feedback=list(part.feedback) if scored and show_feedback else None,
                )
            )
    if assessment.kind == Assessment.Kind.RUBRIC and scored and show_feedback:
        view.reviews = list(attempt.reviews.select_related("reviewer"))
    return view


# --- rubric reviews -------------------------------------------------------------------------


def review_queue(*, reviewer: User) -> QuerySet[Attempt]:
    """Submissions waiting for a review `reviewer` may give: not their own, not yet
    reviewed by them, still short of the reviews required. Oldest first."""
    return (
        Attempt.objects.filter(
            status=Status.AWAITING_REVIEW, assessment__kind=Assessment.Kind.RUBRIC
        )
        .exclude(user=reviewer)
        .exclude(reviews__reviewer=reviewer)
        .annotate(review_count=Count("reviews", distinct=True))
        .filter(review_count__lt=F("assessment__reviewers_required"))
        .select_related("assessment", "user")
        .order_by("submitted_at", "pk")
    )


def attempt_for_reviewer(*, reviewer: User, attempt_id: int) -> Attempt | None:
    """A rubric submission an author may open to review (or see the reviews of)."""
    if not access.is_author(reviewer):
        return None
    return (
        Attempt.objects.filter(
            pk=attempt_id,
            assessment__kind=Assessment.Kind.RUBRIC,
            status__in=[Status.AWAITING_REVIEW, Status.SUBMITTED, Status.SCORING, Status.SCORED],
        )
        .exclude(user=reviewer)
        .select_related("assessment", "assessment__capstone", "user", "score")
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.select_related("reviewer")))
        .first()
    )


@dataclass
class CriterionView:
    criterion: str
    description: str
    levels: list[tuple[int, str, Decimal]]
    chosen: list[int]

    @property
    def agree(self) -> bool:
        return len(set(self.chosen)) <= 1


def rubric_view(*, attempt: Attempt) -> tuple[list[CriterionView], scoring.Agreement | None]:
    """The rubric with each review's chosen level, and the two reviewers' agreement."""
    from .services.attempts import _rubric_of

    rubric = scoring.parse_rubric(attempt.layout.get("rubric") or _rubric_of(attempt.assessment))
    reviews = list(attempt.reviews.all())
    criteria = [
        CriterionView(
            criterion=c.criterion,
            description=c.description,
            levels=[(i, lv.label, lv.points) for i, lv in enumerate(c.levels)],
            chosen=[r.levels[index] for r in reviews],
        )
        for index, c in enumerate(rubric.criteria)
    ]
    agreement = (
        scoring.rubric_agreement(rubric, reviews[0].levels, reviews[1].levels)
        if len(reviews) == 2
        else None
    )
    return criteria, agreement


# --- authors --------------------------------------------------------------------------------


def bank_list() -> QuerySet[QuestionBank]:
    return QuestionBank.objects.annotate(question_count=Count("questions"))


def bank_questions(*, bank: QuestionBank) -> QuerySet[Question]:
    return (
        bank.questions.prefetch_related("skills")
        .annotate(used_in=Count("assessments", distinct=True))
        .order_by("category", "pk")
    )


def assessment_list_for_authors() -> QuerySet[Assessment]:
    return (
        Assessment.objects.select_related("module", "pathway", "lab", "capstone")
        .annotate(
            question_count=Count("items", distinct=True),
            attempt_count=Count("attempts", distinct=True),
        )
        .order_by("kind", "title")
    )


def assessment_questions(*, assessment: Assessment) -> list[Question]:
    return [
        aq.question
        for aq in AssessmentQuestion.objects.filter(assessment=assessment)
        .select_related("question", "question__bank")
        .order_by("order", "pk")
    ]


@dataclass
class ItemStatView:
    question: Question
    n: int
    facility: Decimal | None
    discrimination: Decimal | None
    flags: list[str]


def item_statistics(*, assessment: Assessment) -> list[ItemStatView]:
    """Each question's facility and discrimination with n; flags say what to look at."""
    stats = {
        s.question_id: s
        for s in ItemStatistic.objects.filter(assessment=assessment).select_related("question")
    }
    rows = []
    for question in assessment_questions(assessment=assessment):
        stat = stats.get(question.pk)
        n = stat.n if stat else 0
        facility = stat.facility if stat else None
        discrimination = stat.discrimination if stat else None
        flags = []
        if n < SMALL_SAMPLE:
            flags.append(f"small sample (n < {SMALL_SAMPLE})")
        if facility is not None and facility < Decimal("0.2"):
            flags.append("very hard")
        if facility is not None and facility > Decimal("0.9"):
            flags.append("very easy")
        if discrimination is not None and discrimination < Decimal("0.2"):
            flags.append("weak discrimination")
        rows.append(ItemStatView(question, n, facility, discrimination, flags))
    return rows


def item_statistics_computed_at(*, assessment: Assessment):  # type: ignore[no-untyped-def]
    return ItemStatistic.objects.filter(assessment=assessment).aggregate(at=Max("computed_at"))[
        "at"
    ]


# --- pre/post skill checks ----------------------------------------------------------------


@dataclass
class Gain:
    """A first scored pre and a latest scored post percentage of `subject` (a learner,
    or one skill of a learner's) and the normalised gain between them."""

    subject: Any
    pre: Decimal | None
    post: Decimal | None

    @property
    def gain(self) -> Decimal | None:
        return normalised_gain(self.pre, self.post)


@dataclass
class GainSummary:
    label: str
    rows: list[Gain]

    @property
    def paired(self) -> list[Gain]:
        return [r for r in self.rows if r.pre is not None and r.post is not None]

    @property
    def n(self) -> int:
        return len(self.paired)

    @property
    def mean_pre(self) -> Decimal | None:
        return _mean([r.pre for r in self.paired])

    @property
    def mean_post(self) -> Decimal | None:
        return _mean([r.post for r in self.paired])

    @property
    def class_gain(self) -> Decimal | None:
        """Hake's gain of the means: (mean post − mean pre) / (100 − mean pre)."""
        return normalised_gain(self.mean_pre, self.mean_post)

    @property
    def mean_gain(self) -> Decimal | None:
        """The average of the learners' own gains (learners who started at 100 % excluded)."""
        return _mean([r.gain for r in self.paired if r.gain is not None], places="0.001")

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE


def normalised_gain(pre: Decimal | None, post: Decimal | None) -> Decimal | None:
    """(post − pre) / (100 − pre) for percentages; undefined at pre = 100 or when one is missing."""
    if pre is None or post is None or pre >= 100:
        return None
    return ((post - pre) / (Decimal(100) - pre)).quantize(Decimal("0.001"))


def _mean(values: list[Decimal | None], places: str = "0.01") -> Decimal | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    return (sum(present, Decimal(0)) / len(present)).quantize(Decimal(places))


def skill_checks_for(*, pathway_slug: str) -> QuerySet[Assessment]:
    return Assessment.objects.filter(kind=Assessment.Kind.SKILL_CHECK, pathway__slug=pathway_slug)


def skill_check_gains(*, checks: QuerySet[Assessment], people: QuerySet[User]) -> list[Gain]:
    """Per learner: the first scored pre attempt and the latest scored post attempt."""
    rows = (
        Attempt.objects.filter(
            assessment__in=checks,
            user_id__in=people.values("pk"),
            status=Status.SCORED,
            phase__in=["pre", "post"],
        )
        .order_by("submitted_at", "pk")
        .values_list("user_id", "phase", "score__percent")
    )
    pre: dict[int, Decimal] = {}
    post: dict[int, Decimal] = {}
    for user_id, phase, percent in rows:
        if phase == "pre":
            pre.setdefault(user_id, percent)
        else:
            post[user_id] = percent
    users = User.objects.in_bulk(set(pre) | set(post))
    return sorted(
        (Gain(users[uid], pre.get(uid), post.get(uid)) for uid in users),
        key=lambda r: (r.subject.full_name or r.subject.email).lower(),
    )


def gains_by_team(*, viewer: User, checks: QuerySet[Assessment]) -> list[GainSummary]:
    """One summary per team the viewer manages (the cohort as the manager sees it)."""
    teams = list(access.teams_managed_by(viewer).order_by("name"))
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in Team.objects.filter(pk__in=[t.pk for t in teams]).values_list(
        "pk", "memberships__user_id"
    ):
        if user_id:
            members[team_id].add(user_id)
    all_rows = {
        r.subject.pk: r
        for r in skill_check_gains(
            checks=checks, people=User.objects.filter(pk__in=set().union(*members.values()))
        )
    }
    return [
        GainSummary(
            team.name, [all_rows[uid] for uid in sorted(members[team.pk]) if uid in all_rows]
        )
        for team in teams
    ]
