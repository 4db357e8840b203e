"""Demo assessments: a pre/post SRE skill check with scored
attempts, a prompt-scorecard rubric review with one submission waiting for a reviewer,
and lab checks / capstone reviews for whatever the catalogue holds.

The end-of-lesson MLOps check is catalogue content
(`pathways/catalogue/data/assessments/`), loaded with the catalogue.

Idempotent: existing banks, assessments and attempts are kept as they are. Works
without the catalogue (it prints what it skipped).
"""

import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from org.models import User
from pathways import page_cache
from pathways.models import Capstone, Lab, Pathway, Skill

from . import artifacts, scoring, services
from .models import Assessment, Attempt, QuestionBank

DATA = Path(__file__).resolve().parent / "demo_data"

SCORECARD = [
    {
        "criterion": "Clarity",
        "description": "The prompt says what is wanted, for whom, in plain words.",
        "levels": [
            {"label": "Missing", "points": 0},
            {"label": "Developing", "points": 1},
            {"label": "Solid", "points": 2},
            {"label": "Exemplary", "points": 3},
        ],
    },
    {
        "criterion": "Grounding",
        "description": "Answers rest on the sources supplied; it says what to do without one.",
        "levels": [
            {"label": "Missing", "points": 0},
            {"label": "Developing", "points": 1},
            {"label": "Solid", "points": 2},
            {"label": "Exemplary", "points": 3},
        ],
    },
    {
        "criterion": "Safety",
        "description": "Refuses out-of-scope or risky requests; no personal data leaks.",
        "levels": [
            {"label": "Missing", "points": 0},
            {"label": "Developing", "points": 1},
            {"label": "Solid", "points": 2},
            {"label": "Exemplary", "points": 3},
        ],
    },
    {
        "criterion": "Completeness",
        "description": "Covers the cases the feature meets, including the awkward ones.",
        "levels": [
            {"label": "Missing", "points": 0},
            {"label": "Developing", "points": 1},
            {"label": "Solid", "points": 2},
            {"label": "Exemplary", "points": 3},
        ],
    },
    {
        "criterion": "Format compliance",
        "description": "Output follows the required structure every time (e.g. valid JSON).",
        "levels": [
            {"label": "Missing", "points": 0},
            {"label": "Developing", "points": 1},
            {"label": "Solid", "points": 2},
            {"label": "Exemplary", "points": 3},
        ],
    },
]

SUBMISSION = """\
## Refund-answer prompt: version 1 and version 2

**Version 1** asked the model to "answer the customer's refund question helpfully".
It invented a 60-day window twice in ten test questions.

**Version 2** gives the policy excerpt as the only source, asks for an answer of at
most three sentences in the `{"answer", "policy_section"}` JSON shape, and says to
reply "I need to check that with the team" when the excerpt does not cover the case.

Trade-off: version 2 declines more often (3 of 10 cases), but it never made a
window up and every answer cited a section.
"""


def _say(message: str) -> None:
    print(f"  assessments: {message}")


def _bank(slug: str, name: str, description: str, gift: str) -> QuestionBank:
    bank, created = QuestionBank.objects.get_or_create(
        slug=slug, defaults={"name": name, "description": description}
    )
    if created or not bank.questions.exists():
        report = services.gift_import(bank=bank, text=gift)
        if report.errors:  # the texts above are ours: an error here is a bug
            raise RuntimeError("; ".join(str(e) for e in report.errors))
    return bank


def _latest_published(**filters: object) -> Pathway | None:
    return (
        Pathway.objects.filter(status=Pathway.Status.PUBLISHED, **filters)
        .order_by("-version")
        .first()
    )


def _skills(*slugs: str) -> list[Skill]:
    """The named skills; every name must exist once the catalogue is loaded."""
    skills = list(Skill.objects.filter(slug__in=slugs))
    missing = sorted(set(slugs) - {s.slug for s in skills})
    if missing and Skill.objects.exists():  # without a catalogue the demo stands alone
        raise RuntimeError(f"demo names unknown skills: {', '.join(missing)}")
    return skills


def _assessment(slug: str, bank: QuestionBank | None = None, **fields: object) -> Assessment:
    existing = Assessment.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    skills = fields.pop("skills", [])
    question_ids = list(bank.questions.order_by("pk").values_list("pk", flat=True)) if bank else []
    return services.assessment_create(
        created_by=None, slug=slug, question_ids=question_ids, skills=skills, **fields
    )


def _sre_check() -> Assessment:
    bank = _bank(
        "sre-skill-check",
        "SRE pathway: skill check",
        "The same form before and after the SRE pathway.",
        (DATA / "sre_skill_check.gift").read_text(),
    )
    pathway = _latest_published(role__slug="sre") or _latest_published(slug__icontains="sre")
    if pathway is None:
        _say("no published SRE pathway in the catalogue; the skill check has no pathway")
    return _assessment(
        "sre-skill-check",
        bank,
        title="SRE pathway skill check (before and after)",
        description="Take it before week 1 and again after the pathway; "
        "your normalised gain shows what the pathway taught you.",
        kind=Assessment.Kind.SKILL_CHECK,
        check_phase=Assessment.Phase.BOTH,
        pathway=pathway,
        attempts_allowed=2,
        time_limit_seconds=20 * 60,
        pass_mark=60,
        shuffle_questions=True,
        shuffle_choices=True,
        feedback_timing=Assessment.FeedbackTiming.ON_SCORED,
        answers_timing=Assessment.AnswersTiming.AFTER_FINAL,
        is_published=True,
        skills=_skills("actionable-alerting", "incident-triage", "ai-telemetry"),
    )


def _answers(attempt: Attempt, rng: random.Random, right_share: float) -> dict[int, object]:
    """Answers with about `right_share` of them right; the rest plausibly wrong."""
    answers: dict[int, object] = {}
    for question in attempt.assessment.questions.all():
        spec = scoring.parse_spec(question.qtype, question.spec)
        right = rng.random() < right_share
        if question.qtype in ("single", "multiple"):
            good = [c.id for c in spec.choices if c.weight > 0]
            bad = [c.id for c in spec.choices if c.weight <= 0]
            pick = good if right else [rng.choice(bad)]
            answers[question.pk] = pick[0] if question.qtype == "single" else pick
        elif question.qtype == "true_false":
            answers[question.pk] = spec.answer if right else not spec.answer
        elif question.qtype == "numeric":
            low, high = spec.answers[0].bounds
            answers[question.pk] = str((low + high) / 2 if right else high * 2 + 1)
        elif question.qtype == "short_text":
            answers[question.pk] = spec.answers[0].text if right else "not sure"
        elif question.qtype == "ordering":
            ids = [i.id for i in spec.items]
            answers[question.pk] = ids if right else list(reversed(ids))
        elif question.qtype == "matching":
            matches = {p.id: p.match for p in spec.pairs}
            if not right:
                keys = list(matches)
                matches[keys[0]], matches[keys[1]] = matches[keys[1]], matches[keys[0]]
            answers[question.pk] = matches
    return answers


def _sre_attempts(check: Assessment) -> None:
    rng = random.Random(20260506)
    people = User.objects.filter(
        memberships__team__slug="sre", memberships__job_role="sre"
    ).exclude(email="learner@demo.example")
    scored = 0
    for person in people.order_by("email"):
        if Attempt.objects.filter(assessment=check, user=person).exists():
            continue
        pre_share = rng.uniform(0.25, 0.55)
        post_share = min(1.0, pre_share + rng.uniform(0.2, 0.45))
        for share in (pre_share, post_share):
            attempt = services.attempt_start(user=person, assessment=check, rng=rng)
            services.attempt_submit(
                attempt=attempt, user=person, answers=_answers(attempt, rng, share)
            )
        scored += 1
    if scored:
        _say(f"{scored} SRE learners took the skill check before and after")


def _scorecard_review() -> Assessment:
    pathway = _latest_published(role__slug="prompt-engineer")
    assessment = _assessment(
        "prompt-scorecard-review",
        title="Prompt scorecard review",
        description="Submit two versions of one prompt and explain the trade-offs. A reviewer "
        "scores it on clarity, grounding, safety, completeness and format compliance.",
        kind=Assessment.Kind.RUBRIC,
        pathway=pathway,
        rubric=SCORECARD,
        reviewers_required=1,
        pass_mark=60,
        feedback_timing=Assessment.FeedbackTiming.ON_SCORED,
        answers_timing=Assessment.AnswersTiming.WITH_FEEDBACK,
        is_published=True,
        skills=_skills("prompt-review", "prompt-specification"),
    )
    learner = User.objects.filter(email="learner@demo.example").first()
    if learner and not Attempt.objects.filter(assessment=assessment, user=learner).exists():
        attempt = services.attempt_start(user=learner, assessment=assessment)
        services.attempt_submit(attempt=attempt, user=learner, submission_text=SUBMISSION)
        _say("a prompt-scorecard submission is waiting in the review queue")
    return assessment


def _catalogue_checks() -> None:
    """A lab check for each lab with a registered artifact schema, and a rubric review for
    each capstone with a usable rubric, in the latest published version of each pathway."""
    labs = (
        Lab.objects.filter(
            artifact_schema__in=list(artifacts.SCHEMAS),
            module__pathway__status=Pathway.Status.PUBLISHED,
        )
        .select_related("module__pathway")
        .order_by("slug", "-module__pathway__version")
    )
    seen: set[str] = set()
    for lab in labs:
        if lab.slug in seen:
            continue
        seen.add(lab.slug)
        _assessment(
            f"lab-check-{lab.slug}"[:80],
            title=f"Lab check: {lab.title}"[:200],
            kind=Assessment.Kind.LAB_CHECK,
            lab=lab,
            pass_mark=80,
            artifact_points=Decimal(5),
            feedback_timing=Assessment.FeedbackTiming.ON_SCORED,
            answers_timing=Assessment.AnswersTiming.WITH_FEEDBACK,
            is_published=True,
        )
    if not seen:
        _say("no catalogue labs name an artifact schema; no lab checks created")
    capstones = Capstone.objects.filter(pathway__status=Pathway.Status.PUBLISHED).order_by(
        "slug", "-pathway__version"
    )
    done: set[str] = set()
    for capstone in capstones:
        if capstone.slug in done or not capstone.rubric:
            continue
        done.add(capstone.slug)
        try:
            scoring.parse_rubric(capstone.rubric)
        except scoring.SpecError as exc:
            _say(f"capstone {capstone.slug}: rubric not usable ({exc}); skipped")
            continue
        _assessment(
            f"capstone-{capstone.slug}"[:80],
            title=f"Capstone review: {capstone.title}"[:200],
            kind=Assessment.Kind.RUBRIC,
            capstone=capstone,
            pathway=capstone.pathway,
            skills=list(capstone.skills.all()),
            reviewers_required=2,
            pass_mark=70,
            feedback_timing=Assessment.FeedbackTiming.ON_SCORED,
            answers_timing=Assessment.AnswersTiming.WITH_FEEDBACK,
            is_published=True,
        )


def seed_assessments() -> None:
    with transaction.atomic():
        check = _sre_check()
        _scorecard_review()
        _catalogue_checks()
    # Attempts are submitted outside the block above so each one's scoring task is sent
    # when its own submission commits.
    _sre_attempts(check)
    # The demo's earlier learners took both checks long ago; from now on the post check
    # opens only once every module of the SRE pathway is done.
    if check.pathway_id:
        Assessment.objects.filter(pk=check.pk).update(post_opens=Assessment.PostOpens.MODULES_DONE)
        page_cache.catalogue_changed()  # an update sends no signals
