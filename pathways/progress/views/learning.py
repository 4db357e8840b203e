""" "My learning": the learner's home, self-assessment, marking progress."""

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config import stamps
from org.models import Persona
from org.permissions import persona_required
from pathways import page_cache
from pathways.models import Lab, Module, Skill
from pathways.progress import sequence

from .. import rules, selectors, services
from ..exceptions import ProgressError
from ..forms import ProgressMarkForm, SelfAssessmentForm
from ._common import SOURCE_ABBREVIATIONS, _today


def _chart_data(profile: selectors.SkillProfile, day: int) -> dict:
    checkpoint = rules.next_checkpoint(day) if day >= 1 else rules.CHECKPOINTS[0]
    rows = profile.role_rows
    return {
        "labels": [r.skill.name for r in rows],
        "current": [r.current.level for r in rows],
        "required": [r.required for r in rows],
        "minimum": [
            rules.minimum_at(checkpoint, r.minimums) if r.minimums and checkpoint else None
            for r in rows
        ],
        "minimumLabel": f"Day-{checkpoint} minimum" if checkpoint else "",
    }


def _learn_fragments(request: HttpRequest, self_form: SelfAssessmentForm | None) -> dict:
    """The parts of "My learning" built from the learner's data (all but the CSRF token)."""
    home = selectors.learner_home(user=request.user, today=_today())
    role_skill_ids = [r.skill.pk for r in home.profile.role_rows]
    skills = (
        Skill.objects.filter(pk__in=role_skill_ids).order_by("name")
        if role_skill_ids
        else Skill.objects.order_by("name")
    )
    day = home.current.day if home.current else 0
    context = {
        "user": request.user,
        "home": home,
        # Shown only for two or more enrolments (one journey per active enrolment).
        "journeys": (
            sequence.journeys_of(user=request.user, today=_today(), enrollments=home.enrollments)
            if len(home.enrollments) > 1
            else []
        ),
        "progress": home.current,
        "profile": home.profile,
        "chart": _chart_data(home.profile, day),
        "self_form": self_form or SelfAssessmentForm(skills=skills),
        "phases": rules.PROGRAM_PHASES,
        "abbreviations": SOURCE_ABBREVIATIONS,
        "level_labels": rules.LEVEL_LABELS,
        "checkpoint": rules.next_checkpoint(day) if day >= 1 else None,
    }
    return {
        "main_html": render_to_string("pathways/_learn_main.html", context),
        "after_html": render_to_string("pathways/_learn_after.html", context),
        "self_form_html": render_to_string("pathways/_learn_self_form.html", context),
        "has_chart": bool(home.profile.role_rows),
    }


@persona_required(Persona.LEARNER)
def learn(request: HttpRequest, self_form: SelfAssessmentForm | None = None) -> HttpResponse:
    """My learning; `self_form` is a self-assessment that failed validation, shown again
    with what was typed and its errors.

    The page is rendered from fragments cached per learner and day under the learner's
    and the catalogue's stamps (`pathways.page_cache`): any write to what it shows
    changes a stamp, so the next render computes afresh. No cache, no caching."""
    if self_form is not None:
        return render(request, "pathways/learn.html", _learn_fragments(request, self_form))
    stamp = page_cache.learner_stamp(request.user.pk)
    key = f"page:learn:{request.user.pk}:{_today().isoformat()}:{stamp}"
    fragments = cache.get(key) if stamp else None
    if fragments is None:
        fragments = _learn_fragments(request, None)
        if stamp:
            cache.set(key, fragments, stamps.FRAGMENT_SECONDS)
    return render(request, "pathways/learn.html", fragments)


@require_POST
@persona_required(Persona.LEARNER)
def self_assess(request: HttpRequest) -> HttpResponse:
    form = SelfAssessmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a skill and a level from 1 to 5.")
        return learn(request, self_form=form)
    try:
        services.rating_create(
            person=request.user,
            skill=form.cleaned_data["skill"],
            level=form.cleaned_data["level"],
            source="self",
            rated_by=request.user,
            note=form.cleaned_data["note"],
        )
    except ProgressError as exc:
        form.add_error(None, str(exc))
        return learn(request, self_form=form)
    else:
        messages.success(
            request,
            f"Saved: {form.cleaned_data['skill'].name} at level {form.cleaned_data['level']}.",
        )
    return redirect(reverse("pathways:learn") + "#my-skills")


@require_POST
@persona_required(Persona.LEARNER)
def progress_update(request: HttpRequest) -> HttpResponse:
    form = ProgressMarkForm(request.POST)
    if not form.is_valid():
        raise Http404
    kind, pk, status = (form.cleaned_data[k] for k in ("kind", "item", "status"))
    item = (
        {"lab": get_object_or_404(Lab.objects.select_related("module"), pk=pk)}
        if kind == "lab"
        else {"module": get_object_or_404(Module, pk=pk)}
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("pathways:learn")
    try:
        done = services.progress_mark_by_learner(user_id=request.user.pk, status=status, **item)
    except ProgressError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if done is None:
        raise Http404  # not on a pathway the learner follows
    messages.success(request, "Progress saved.")
    return redirect(back)
