"""Reviewing essay answers (question type `essay`) with their rubric: authors only,
never their own answers."""

from decimal import Decimal
from functools import partial

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from org.models import Persona, User
from org.permissions import persona_required

from . import scoring, services
from .forms import ReviewForm
from .models import Attempt, Response
from .selectors import CriterionView


def essays_to_review(*, reviewer: User) -> QuerySet[Response]:
    """Answered essays of attempts waiting for review, not the reviewer's own, oldest first."""
    return (
        Response.objects.filter(
            attempt__status=Attempt.Status.AWAITING_REVIEW,
            question__qtype__in=scoring.REVIEWED,
            review__isnull=True,
        )
        .exclude(attempt__user=reviewer)
        .exclude(answer__isnull=True)
        .select_related("attempt__assessment", "attempt__user", "question")
        .order_by("attempt__submitted_at", "pk")
    )


@persona_required(Persona.AUTHOR)
def essay_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/essay_queue.html",
        {"queue": list(essays_to_review(reviewer=request.user)[:200])},
    )


@persona_required(Persona.AUTHOR)
def essay_review(request: HttpRequest, pk: int) -> HttpResponse:
    response = essays_to_review(reviewer=request.user).filter(pk=pk).first()
    if response is None:
        raise Http404
    spec = scoring.parse_spec(response.question.qtype, response.question.spec)
    criteria = [
        CriterionView(
            criterion=c.criterion,
            description=c.description,
            levels=[(i, lv.label, Decimal(lv.points)) for i, lv in enumerate(c.levels)],
            chosen=[],
        )
        for c in spec.rubric
    ]
    form = ReviewForm(request.POST or None, criteria=criteria)
    save = partial(services.essay_review_submit, response=response, reviewer=request.user)
    if form.submit(request, save):
        return redirect("assessments:essay_queue")
    return render(
        request,
        "assessments/essay_review.html",
        {"response": response, "spec": spec, "form": form},
    )
