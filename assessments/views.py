"""HTML views: thin, calling the same services and selectors as the API.

AssessmentError becomes a message on the page (or, for htmx requests, the fragment's
text); someone else's attempt is a 404.
"""

from functools import partial

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from org.models import Persona
from org.permissions import persona_required

from . import artifacts, opaque, post_check, scoring, selectors, services
from .exceptions import AssessmentError
from .forms import (
    ArtifactForm,
    AssessmentForm,
    GiftQuestionForm,
    QuestionBankForm,
    ReviewForm,
    SubmissionForm,
    answer_from_post,
    answers_from_post,
)
from .models import Assessment, Attempt, Question, QuestionBank
from .my_gains import gains_of

Status = Attempt.Status


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- learners -------------------------------------------------------------------------------


@persona_required(Persona.LEARNER)
def home(request: HttpRequest) -> HttpResponse:
    assessments = list(selectors.assessments_for_learner(user=request.user))
    attempts = list(selectors.attempts_of(user=request.user).order_by("-started_at")[:20])
    certificates = [
        (award, selectors.certificate_token(award))
        for award in selectors.certificates_of(user=request.user)
    ]
    return render(
        request,
        "assessments/home.html",
        {"assessments": assessments, "attempts": attempts, "certificates": certificates},
    )


@persona_required(Persona.LEARNER)
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(
        Assessment.objects.select_related("module", "pathway", "lab", "capstone"),
        slug=slug,
        is_published=True,
    )
    attempts = list(
        selectors.attempts_of(user=request.user).filter(assessment=assessment).order_by("number")
    )
    left = services.attempts_left(assessment=assessment, used=len(attempts))
    current = next((a for a in attempts if a.status == Status.IN_PROGRESS), None)
    return render(
        request,
        "assessments/detail.html",
        {
            "assessment": assessment,
            "attempts": attempts,
            "attempts_left": left,
            "current": current,
            "question_count": assessment.items.count(),
            "post_closed": None
            if current
            else post_check.post_check_closed(user=request.user, assessment=assessment),
        },
    )


@require_POST
@persona_required(Persona.LEARNER)
def start(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug, is_published=True)
    try:
        attempt = services.attempt_start(user=request.user, assessment=assessment)
    except AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect("assessments:detail", slug=slug)
    return redirect("assessments:attempt", pk=attempt.pk)


def _attempt_for(request: HttpRequest, pk: int) -> Attempt:
    attempt = selectors.attempt_for_viewer(viewer=request.user, attempt_id=pk)
    if attempt is None:
        raise Http404
    return attempt


def _own(request: HttpRequest, pk: int) -> Attempt:
    return get_object_or_404(Attempt.objects.select_related("assessment"), pk=pk, user=request.user)


@persona_required(Persona.LEARNER)
def attempt(request: HttpRequest, pk: int) -> HttpResponse:
    """The attempt page: the form while in progress (own attempts only), else the result."""
    found = _attempt_for(request, pk)
    view = selectors.attempt_view(attempt=found, viewer=request.user)
    mine = found.user_id == request.user.pk
    if view.in_progress and mine:
        return render(request, "assessments/take.html", _take_context(view))
    return render(
        request, "assessments/result.html", {"view": view, "mine": mine, **_result_extra(view)}
    )


def _take_context(view: selectors.AttemptView) -> dict:
    attempt = view.attempt
    return {
        "view": view,
        "attempt": attempt,
        "assessment": attempt.assessment,
        "immediate": attempt.assessment.feedback_timing == Assessment.FeedbackTiming.IMMEDIATE,
        "submission_form": SubmissionForm(
            initial={
                "submission_text": attempt.submission_text,
                "submission_url": attempt.submission_url,
            }
        ),
        "artifact_form": ArtifactForm(),
        "artifact_saved": next(
            (p.answer.get("filename") for p in view.lab_parts if p.kind == "artifact" and p.answer),
            "",
        ),
        "seconds_left": (
            max(0, int((attempt.deadline_at - timezone.now()).total_seconds()))
            if attempt.deadline_at
            else None
        ),
    }


def _result_extra(view: selectors.AttemptView) -> dict:
    extra: dict = {"criteria": [], "agreement": None}
    if view.attempt.assessment.kind == Assessment.Kind.RUBRIC and view.reviews:
        extra["criteria"], extra["agreement"] = selectors.rubric_view(attempt=view.attempt)
    return extra


def _save_parts(request: HttpRequest, view: selectors.AttemptView) -> dict:
    """Everything the attempt form carries, as keyword arguments for the services."""
    attempt = view.attempt
    parts: dict = {}
    answers = answers_from_post(view.items, request.POST)
    if answers:
        parts["answers"] = opaque.answers_to_own(attempt.layout, answers)
    if view.checklist and "checklist-present" in request.POST:
        parts["checklist"] = [int(i) for i in request.POST.getlist("checklist") if i.isdigit()]
    if attempt.assessment.kind == Assessment.Kind.RUBRIC:
        form = SubmissionForm(request.POST)
        if not form.is_valid():
            raise AssessmentError(" ".join(e for errs in form.errors.values() for e in errs))
        parts["submission_text"] = form.cleaned_data["submission_text"]
        parts["submission_url"] = form.cleaned_data["submission_url"]
    if request.FILES.get("artifact"):
        form = ArtifactForm(request.POST, request.FILES)
        if not form.is_valid():
            raise AssessmentError(" ".join(form.errors["artifact"]))
        filename, text = form.cleaned_data["artifact"]
        parts["artifact"] = services.ArtifactUpload(filename, text)
    return parts


@require_POST
@persona_required(Persona.LEARNER)
def save(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave (htmx): answers the save status as a small fragment."""
    own = _own(request, pk)
    view = selectors.attempt_view(attempt=own)
    try:
        services.attempt_save(attempt=own, user=request.user, **_save_parts(request, view))
    except AssessmentError as exc:
        if _is_htmx(request):
            return render(request, "assessments/_saved.html", {"error": str(exc)})
        messages.error(request, str(exc))
        return redirect("assessments:attempt", pk=pk)
    if _is_htmx(request):
        return render(request, "assessments/_saved.html", {"saved_at": timezone.now()})
    messages.success(request, "Your answers are saved.")
    return redirect("assessments:attempt", pk=pk)


@require_POST
@persona_required(Persona.LEARNER)
def check(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    """Instant feedback on one question: the question fragment (htmx) or the page."""
    own = _own(request, pk)
    view = selectors.attempt_view(attempt=own)
    item = next((i for i in view.items if i.question.pk == question_id), None)
    if item is None:
        raise Http404
    error = ""
    try:
        # Keep the rest of the form too, so nothing typed elsewhere is lost.
        answers = answers_from_post(view.items, request.POST)
        others = {k: v for k, v in answers.items() if k != question_id}
        if others:
            services.attempt_save(
                attempt=own, user=request.user, answers=opaque.answers_to_own(own.layout, others)
            )
        answer = opaque.to_own(own.layout, question_id, answer_from_post(item, request.POST))
        services.attempt_check(
            attempt=own,
            user=request.user,
            question_id=question_id,
            answer=None if not isinstance(answer, str | list | dict | bool) else answer,
        )
    except AssessmentError as exc:
        error = str(exc)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(f"{reverse('assessments:attempt', args=[pk])}#q-{question_id}")
    view = selectors.attempt_view(attempt=own)
    item = next(i for i in view.items if i.question.pk == question_id)
    return render(
        request,
        "assessments/_question.html",
        {"item": item, "view": view, "immediate": True, "error": error, "attempt": own},
    )


@require_POST
@persona_required(Persona.LEARNER)
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    own = _own(request, pk)
    view = selectors.attempt_view(attempt=own)
    try:
        services.attempt_submit(attempt=own, user=request.user, **_save_parts(request, view))
    except AssessmentError as exc:
        messages.error(request, str(exc))
        own.refresh_from_db()
        if own.status == Status.IN_PROGRESS:
            return redirect("assessments:attempt", pk=pk)
    return redirect("assessments:attempt", pk=pk)


@require_GET
@persona_required(Persona.LEARNER)
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the result page while the attempt is being scored."""
    found = _attempt_for(request, pk)
    if found.status in (Status.SUBMITTED, Status.SCORING):
        return render(request, "assessments/_scoring.html", {"attempt": found})
    response = HttpResponse("")
    response["HX-Refresh"] = "true"
    return response


@persona_required(Persona.LEARNER)
def certificate(request: HttpRequest, token: str) -> HttpResponse:
    """A certificate anyone signed in to Trellis may open with its link."""
    award = selectors.award_from_token(token)
    if award is None:
        raise Http404
    return render(request, "assessments/certificate.html", {"award": award, "token": token})


@persona_required(Persona.LEARNER)
def my_gains(request: HttpRequest) -> HttpResponse:
    """The signed-in learner's own pre, post and normalised gain, overall and per skill."""
    return render(request, "assessments/my_gains.html", {"gains": gains_of(user=request.user)})


@persona_required(Persona.MANAGER)
def gains(request: HttpRequest) -> HttpResponse:
    checks = Assessment.objects.filter(kind=Assessment.Kind.SKILL_CHECK).select_related("pathway")
    options = sorted(
        {(c.pathway.slug, c.pathway.title) for c in checks if c.pathway}
        | {(f"check:{c.slug}", c.title) for c in checks if not c.pathway},
        key=lambda o: o[1],
    )
    chosen = request.GET.get("pathway") or (options[0][0] if options else "")
    if chosen.startswith("check:"):
        selected = checks.filter(slug=chosen.removeprefix("check:"))
    else:
        selected = selectors.skill_checks_for(pathway_slug=chosen)
    summaries = selectors.gains_by_team(viewer=request.user, checks=selected) if chosen else []
    return render(
        request,
        "assessments/gains.html",
        {"options": options, "chosen": chosen, "summaries": summaries},
    )


# --- authors --------------------------------------------------------------------------------


@persona_required(Persona.AUTHOR)
def author_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/author_home.html",
        {
            "banks": list(selectors.bank_list()),
            "assessments": list(selectors.assessment_list_for_authors()),
            "queue_count": selectors.review_queue(reviewer=request.user).count(),
        },
    )


@persona_required(Persona.AUTHOR)
def bank_create(request: HttpRequest) -> HttpResponse:
    form = QuestionBankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bank = services.question_bank_create(created_by=request.user, **form.cleaned_data)
        except AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Question bank “{bank.name}” created.")
            return redirect("assessments:bank", pk=bank.pk)
    return render(request, "assessments/bank_form.html", {"form": form})


@persona_required(Persona.AUTHOR)
def bank(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(QuestionBank, pk=pk)
    form = GiftQuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_from_gift(bank=found, text=form.cleaned_data["gift"])
        except AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Question “{question}” added.")
            return redirect("assessments:bank", pk=pk)
    return render(
        request,
        "assessments/bank.html",
        {"bank": found, "questions": list(selectors.bank_questions(bank=found)), "form": form},
    )


@persona_required(Persona.AUTHOR)
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("bank"), pk=pk)
    try:
        initial = {"gift": services.question_as_gift(question=question)}
    except scoring.SpecError as exc:
        # e.g. an essay with its own rubric: GIFT cannot say it, so it is not edited as GIFT
        initial = {}
        if request.method == "GET":
            messages.warning(request, f"This question cannot be written as GIFT: {exc}.")
    form = GiftQuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.question_delete(question=question)
        except AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Question deleted.")
            return redirect("assessments:bank", pk=question.bank_id)
    elif request.method == "POST" and form.is_valid():
        try:
            services.question_from_gift(
                bank=question.bank, text=form.cleaned_data["gift"], question=question
            )
        except AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Question saved.")
            return redirect("assessments:bank", pk=question.bank_id)
    return render(request, "assessments/question_edit.html", {"question": question, "form": form})


@persona_required(Persona.AUTHOR)
def assessment_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(Assessment, pk=pk) if pk else None
    form = AssessmentForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            if instance is None:
                instance = services.assessment_create(
                    created_by=request.user,
                    question_ids=form.question_ids(),
                    skills=form.cleaned_data["skills"],
                    **fields,
                )
            else:
                services.assessment_update(
                    assessment=instance, skills=form.cleaned_data["skills"], **fields
                )
                services.assessment_set_questions(
                    assessment=instance, question_ids=form.question_ids()
                )
        except AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"“{instance.title}” saved.")
            return redirect("assessments:author_home")
    return render(
        request,
        "assessments/assessment_form.html",
        {"form": form, "assessment": instance, "schemas": artifacts.schema_choices()},
    )


@persona_required(Persona.AUTHOR)
def statistics(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment, pk=pk)
    if request.method == "POST":
        services.item_statistics_request(assessment=assessment)
        messages.success(request, "Recomputing; refresh in a moment.")
        return redirect("assessments:statistics", pk=pk)
    return render(
        request,
        "assessments/statistics.html",
        {
            "assessment": assessment,
            "rows": selectors.item_statistics(assessment=assessment),
            "computed_at": selectors.item_statistics_computed_at(assessment=assessment),
            "scored": assessment.attempts.filter(status=Status.SCORED).count(),
            "small": selectors.SMALL_SAMPLE,
        },
    )


@persona_required(Persona.AUTHOR)
def review_queue(request: HttpRequest) -> HttpResponse:
    queue = list(selectors.review_queue(reviewer=request.user))
    done = list(
        Attempt.objects.filter(reviews__reviewer=request.user)
        .select_related("assessment", "user")
        .annotate(review_count=Count("reviews", distinct=True))
        .order_by("-submitted_at")[:20]
    )
    return render(request, "assessments/review_queue.html", {"queue": queue, "done": done})


@persona_required(Persona.AUTHOR)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.attempt_for_reviewer(reviewer=request.user, attempt_id=pk)
    if found is None:
        raise Http404
    criteria, agreement = selectors.rubric_view(attempt=found)
    form = ReviewForm(request.POST or None, criteria=criteria)
    reviewed = any(r.reviewer_id == request.user.pk for r in found.reviews.all())
    if form.submit(request, partial(services.review_submit, attempt=found, reviewer=request.user)):
        return redirect("assessments:review_queue")
    can_review = (
        found.status == Status.AWAITING_REVIEW
        and not reviewed
        and found.reviews.count() < found.assessment.reviewers_required
    )
    return render(
        request,
        "assessments/review.html",
        {
            "attempt": found,
            "form": form,
            "criteria": criteria,
            "agreement": agreement,
            "can_review": can_review,
            "reviews": list(found.reviews.all()),
        },
    )
