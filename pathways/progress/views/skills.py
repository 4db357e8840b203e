"""Skill profiles and ratings, team heatmaps and enrolment, the role × skill matrix."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from org import access
from org.models import Persona
from org.permissions import persona_required
from pathways.models import Role, RoleSkill, Skill

from .. import rules, selectors, services
from ..exceptions import ProgressError
from ..forms import RatingForm, RoleSkillFormSet, RoleWeightsForm, TeamEnrolForm
from ._common import (
    OVERLAP_CHOICES,
    SOURCE_ABBREVIATIONS,
    _csv_response,
    _next_url,
    _overlap_warning,
    _skipped_note,
    _today,
)


def _visible_person(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    # Someone outside the viewer's teams is "not found", never "forbidden":
    # the answer must not reveal who exists.
    return get_object_or_404(access.people_visible_to(request.user), pk=pk)


@persona_required(Persona.LEARNER)
def person_skills(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, _visible_person(request, pk))


def _person_page(request: HttpRequest, person, bound: RatingForm | None = None) -> HttpResponse:  # type: ignore[no-untyped-def]
    """The skill profile; `bound` is a rating that failed, shown again as typed."""
    profile = selectors.skill_profile(person=person, today=_today())
    sources = (
        selectors.rating_sources_for(rater=request.user, person=person)
        if person.pk != request.user.pk
        else []
    )
    form = bound
    if sources:
        form = form or RatingForm(sources=sources, initial={"source": sources[0]})
        ids = [r.skill.pk for r in profile.rows]
        form.fields["skill"].queryset = (
            Skill.objects.filter(pk__in=ids).order_by("name") if ids else Skill.objects.all()
        )
    context = {
        "person": person,
        "profile": profile,
        "form": form,
        "next": _next_url(request, ""),
        "abbreviations": SOURCE_ABBREVIATIONS,
        "level_labels": rules.LEVEL_LABELS,
    }
    return render(request, "progress/person_skills.html", context)


@require_POST
@persona_required(Persona.MANAGER)
def person_rate(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    sources = selectors.rating_sources_for(rater=request.user, person=person)
    if not sources or person.pk == request.user.pk:
        raise Http404
    form = RatingForm(request.POST, sources=sources)
    back = reverse("pathways:person_skills", args=[person.pk])
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return _person_page(request, person, bound=form)
    data = form.cleaned_data
    try:
        services.rating_create(
            person=person,
            skill=data["skill"],
            level=data["level"],
            source=data["source"],
            rated_by=request.user,
            note=data["note"],
            evidence_url=data["evidence_url"],
        )
    except ProgressError as exc:
        form.add_error(None, str(exc))
        return _person_page(request, person, bound=form)
    messages.success(request, f"Rated {person} at level {data['level']} in {data['skill'].name}.")
    return redirect(_next_url(request, back))


# --- team heatmap and enrolment ------------------------------------------------------


@persona_required(Persona.MANAGER)
def team_heatmap(
    request: HttpRequest, slug: str, enrol_form: TeamEnrolForm | None = None
) -> HttpResponse:
    """The heatmap; `enrol_form` is an enrolment that failed, shown again as typed."""
    team = get_object_or_404(access.teams_managed_by(request.user), slug=slug)
    heatmap = selectors.team_heatmap(team=team, today=_today())
    context = {
        "team": team,
        "heatmap": heatmap,
        "enrol_form": enrol_form or TeamEnrolForm(initial={"started_on": _today()}),
        "abbreviations": SOURCE_ABBREVIATIONS,
    }
    return render(request, "progress/team_heatmap.html", context)


@persona_required(Persona.MANAGER)
def team_heatmap_csv(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(access.teams_managed_by(request.user), slug=slug)
    heatmap = selectors.team_heatmap(team=team, today=_today())
    rows = []
    for row in heatmap.rows:
        for skill in heatmap.columns:
            cell = row.cells.get(skill.pk)
            if cell is None:
                continue
            rows.append(
                [
                    row.person.full_name,
                    row.person.email,
                    row.membership.job_role,
                    row.membership.career_level,
                    skill.slug,
                    cell.criticality,
                    cell.required,
                    cell.current.level,
                    cell.current.source,
                    cell.gap,
                    row.score,
                ]
            )
    header = [
        "person",
        "email",
        "role",
        "career_level",
        "skill",
        "criticality",
        "required",
        "current",
        "source",
        "gap",
        "priority_score",
    ]
    return _csv_response(f"skills-{team.slug}.csv", header, rows)


@require_POST
@persona_required(Persona.MANAGER)
def team_enrol(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(access.teams_managed_by(request.user), slug=slug)
    form = TeamEnrolForm(request.POST)
    back = reverse("pathways:team_heatmap", args=[team.slug])
    if not form.is_valid():
        messages.error(request, "Choose a published pathway and a start date.")
        return team_heatmap(request, slug, enrol_form=form)
    choice = request.POST.get("on_overlap", "")
    overlaps = selectors.active_cohort_overlaps(team_ids=[team.pk], cohort=None, today=_today())
    if overlaps and choice not in OVERLAP_CHOICES:
        target = str(form.cleaned_data["pathway"])
        return _overlap_warning(request, overlaps, target=target, back=back)
    skip = [o.person.pk for o in overlaps] if choice == "skip" else []
    try:
        created = services.team_enrol(
            team=team,
            pathway=form.cleaned_data["pathway"],
            started_on=form.cleaned_data["started_on"],
            skip_user_ids=skip,
        )
    except ProgressError as exc:
        messages.error(request, str(exc))
    else:
        note = _skipped_note(overlaps) if skip else ""
        messages.success(
            request,
            f"Enrolled {created} people of {team.name} on {form.cleaned_data['pathway']}.{note}",
        )
    return redirect(back)


# --- role × skill matrix -------------------------------------------------------------


@persona_required(Persona.AUTHOR)
def matrix(request: HttpRequest) -> HttpResponse:
    roles, rows = selectors.matrix_overview()
    return render(request, "progress/matrix.html", {"roles": roles, "rows": rows})


@persona_required(Persona.AUTHOR)
def matrix_role(request: HttpRequest, slug: str) -> HttpResponse:
    role = get_object_or_404(Role, slug=slug)
    queryset = (
        RoleSkill.objects.filter(role=role)
        .select_related("skill")
        .order_by("-criticality", "skill__name")
    )
    weights = RoleWeightsForm(
        request.POST or None,
        prefix="role",
        initial={"exposure": role.exposure, "influence": role.influence},
    )
    formset = RoleSkillFormSet(request.POST or None, queryset=queryset, prefix="cells")
    if request.method == "POST":
        if weights.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    services.role_weights_update(role=role, **weights.cleaned_data)
                    for form in formset.forms:
                        if not form.has_changed() and not form.instance.pk:
                            continue
                        if form in formset.deleted_forms:
                            if form.instance.pk:
                                services.role_skill_delete(role_skill=form.instance)
                            continue
                        data = dict(form.cleaned_data)
                        skill = data.pop("skill", None) or form.instance.skill
                        data.pop("id", None)
                        data.pop("DELETE", None)
                        services.role_skill_save(role=role, skill=skill, **data)
            except ProgressError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"Saved the skills matrix of {role.name}.")
                return redirect("pathways:matrix_role", slug=role.slug)
        else:
            messages.error(request, "Some rows need fixing; see the messages beside them.")
    return render(
        request,
        "progress/matrix_role.html",
        {"role": role, "weights": weights, "formset": formset, "level_labels": rules.LEVEL_LABELS},
    )


@persona_required(Persona.AUTHOR)
def matrix_csv(request: HttpRequest) -> HttpResponse:
    header = [
        "role",
        "role_name",
        "exposure",
        "influence",
        "skill",
        "skill_name",
        "pillar",
        "kind",
        "criticality",
        "level_junior",
        "level_mid",
        "level_senior",
        "level_principal",
        "min_day30",
        "min_day60",
        "min_day90",
    ]
    rows = (
        [
            c.role.slug,
            c.role.name,
            c.role.exposure,
            c.role.influence,
            c.skill.slug,
            c.skill.name,
            c.skill.pillar,
            c.skill.kind,
            c.criticality,
            c.level_junior,
            c.level_mid,
            c.level_senior,
            c.level_principal,
            c.min_day30,
            c.min_day60,
            c.min_day90,
        ]
        for c in selectors.matrix_cells()
    )
    return _csv_response("role-skill-matrix.csv", header, rows)
