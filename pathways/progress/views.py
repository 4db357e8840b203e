"""HTML views: My learning, skill profiles and ratings, the matrices, cohorts.

Thin: they check who may see what through `org.access`, read with `selectors`,
write with `services`, and turn `ProgressError` into a message.
"""

import csv
from collections.abc import Iterable

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from org import access
from org.models import Persona
from org.permissions import persona_required
from pathways.models import Lab, Module, Role, RoleSkill, Skill

from . import rules, selectors, services
from .exceptions import ProgressError
from .forms import (
    AddTeamsForm,
    CohortForm,
    ProgressMarkForm,
    ProposalForm,
    RatingForm,
    RoleSkillFormSet,
    RoleWeightsForm,
    SelfAssessmentForm,
    TeamEnrolForm,
)

SOURCE_ABBREVIATIONS = {
    "assessment": "A",
    "certification": "C",
    "lab": "L",
    "incident_review": "IR",
    "code_review": "CR",
    "manager": "M",
    "peer": "P",
    "self": "S",
}


def _today():  # type: ignore[no-untyped-def]
    return timezone.localdate()


def _next_url(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def _csv_cell(value: object) -> object:
    """Keep spreadsheet programs from running a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_response(filename: str, header: list[str], rows: Iterable[list[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return response


# --- My learning ---------------------------------------------------------------------


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


@persona_required(Persona.LEARNER)
def learn(request: HttpRequest) -> HttpResponse:
    home = selectors.learner_home(user=request.user, today=_today())
    role_skill_ids = [r.skill.pk for r in home.profile.role_rows]
    skills = (
        Skill.objects.filter(pk__in=role_skill_ids).order_by("name")
        if role_skill_ids
        else Skill.objects.order_by("name")
    )
    day = home.current.day if home.current else 0
    context = {
        "home": home,
        "progress": home.current,
        "profile": home.profile,
        "chart": _chart_data(home.profile, day),
        "self_form": SelfAssessmentForm(skills=skills),
        "phases": rules.PROGRAM_PHASES,
        "abbreviations": SOURCE_ABBREVIATIONS,
        "level_labels": rules.LEVEL_LABELS,
        "checkpoint": rules.next_checkpoint(day) if day >= 1 else None,
    }
    return render(request, "pathways/learn.html", context)


@require_POST
@persona_required(Persona.LEARNER)
def self_assess(request: HttpRequest) -> HttpResponse:
    form = SelfAssessmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a skill and a level from 1 to 5.")
        return redirect(reverse("pathways:learn") + "#self-assessment")
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
        messages.error(request, str(exc))
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
        return redirect(back or reverse("pathways:learn"))
    if done is None:
        raise Http404  # not on a pathway the learner follows
    messages.success(request, "Progress saved.")
    return redirect(back or reverse("pathways:learn"))


# --- skill profiles and ratings ------------------------------------------------------


def _visible_person(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    # Someone outside the viewer's teams is "not found", never "forbidden":
    # the answer must not reveal who exists.
    return get_object_or_404(access.people_visible_to(request.user), pk=pk)


@persona_required(Persona.LEARNER)
def person_skills(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    profile = selectors.skill_profile(person=person, today=_today())
    sources = (
        selectors.rating_sources_for(rater=request.user, person=person)
        if person.pk != request.user.pk
        else []
    )
    form = None
    if sources:
        form = RatingForm(sources=sources, initial={"source": sources[0]})
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
        return redirect(back)
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
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, f"Rated {person} at level {data['level']} in {data['skill'].name}.")
    return redirect(_next_url(request, back))


# --- team heatmap and enrolment ------------------------------------------------------


@persona_required(Persona.MANAGER)
def team_heatmap(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(access.teams_managed_by(request.user), slug=slug)
    heatmap = selectors.team_heatmap(team=team, today=_today())
    context = {
        "team": team,
        "heatmap": heatmap,
        "enrol_form": TeamEnrolForm(initial={"started_on": _today()}),
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
        return redirect(back)
    try:
        created = services.team_enrol(
            team=team,
            pathway=form.cleaned_data["pathway"],
            started_on=form.cleaned_data["started_on"],
        )
    except ProgressError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Enrolled {created} people of {team.name} on {form.cleaned_data['pathway']}."
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


# --- cohorts -------------------------------------------------------------------------


def _visible_cohort(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    return get_object_or_404(selectors.cohorts_visible_to(request.user), pk=pk)


def _managed_cohort(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    cohort = _visible_cohort(request, pk)
    access.require(selectors.can_manage_cohort(request.user, cohort))
    return cohort


@persona_required(Persona.MANAGER, Persona.AUTHOR)
def cohort_list(request: HttpRequest) -> HttpResponse:
    cohorts = list(selectors.cohort_list(viewer=request.user))
    today = _today()
    for cohort in cohorts:
        cohort.day = rules.program_day(start=cohort.start_date, today=today)
        cohort.phase = rules.phase_for_day(cohort.day)
    return render(request, "progress/cohort_list.html", {"cohorts": cohorts})


@persona_required(Persona.MANAGER, Persona.AUTHOR)
def cohort_propose(request: HttpRequest) -> HttpResponse:
    try:
        size = max(1, min(int(request.GET.get("size", 12)), 500))
    except ValueError:
        size = 12
    proposal = selectors.cohort_proposal(viewer=request.user, today=_today(), size=size)
    candidate_ids = [c.person.pk for c in proposal.candidates]
    if request.method == "POST":
        form = ProposalForm(request.POST, candidate_ids=candidate_ids)
        if form.is_valid():
            data = form.cleaned_data
            try:
                cohort = services.cohort_create(
                    name=data["name"],
                    start_date=data["start_date"],
                    pathways=list(data["pathways"]),
                    sponsor=data["sponsor"],
                    created_by=request.user,
                    member_ids=data["members"],
                    champion_ids=data["champions"],
                )
            except ProgressError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, f"Created {cohort.name} with {len(data['members'])} members."
                )
                return redirect("pathways:cohort_detail", pk=cohort.pk)
    else:
        form = ProposalForm(
            candidate_ids=candidate_ids,
            initial={
                "members": proposal.proposed_ids,
                "start_date": _today(),
                "sponsor": request.user if access.is_manager(request.user) else None,
            },
        )
    # Ticks as submitted (strings) or proposed (ints): compare as text.
    selected = {str(v) for v in form["members"].value() or []}
    champions = {str(v) for v in form["champions"].value() or []}
    rows = [
        (c, str(c.person.pk) in selected, str(c.person.pk) in champions)
        for c in proposal.candidates
    ]
    return render(
        request,
        "progress/cohort_propose.html",
        {"proposal": proposal, "form": form, "rows": rows, "size": size},
    )


@persona_required(Persona.MANAGER, Persona.AUTHOR)
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _visible_cohort(request, pk)
    today = _today()
    progress = selectors.cohort_progress(cohort=cohort, viewer=request.user, today=today)
    manage = selectors.can_manage_cohort(request.user, cohort)
    context = {
        "cohort": cohort,
        "progress": progress,
        "schedules": selectors.cohort_schedule(cohort=cohort),
        "minimums": selectors.cohort_minimums(cohort=cohort),
        "manage": manage,
        "add_teams": AddTeamsForm(teams=selectors.proposal_pool(request.user)) if manage else None,
        "today": today,
    }
    return render(request, "progress/cohort_detail.html", context)


@persona_required(Persona.MANAGER, Persona.AUTHOR)
def cohort_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _visible_cohort(request, pk)
    progress = selectors.cohort_progress(cohort=cohort, viewer=request.user, today=_today())
    header = [
        "person",
        "email",
        "role",
        "pathway",
        "champion",
        "enrolled",
        "done",
        "total",
        "completion_pct",
        "overdue",
        "status",
        "reasons",
    ]
    rows = []
    for row in progress.rows:
        member, p = row.member, row.progress
        base = [
            row.person.full_name,
            row.person.email,
            member.role.slug if member.role else "",
            member.pathway.slug if member.pathway else "",
            "yes" if member.is_champion else "no",
        ]
        if not row.visible:
            rows.append([*base, "", "", "", "", "", "not visible to you", ""])
        elif p is None:
            rows.append([*base, "no", 0, 0, 0, 0, "", ""])
        else:
            rows.append(
                [
                    *base,
                    "yes",
                    p.done,
                    p.total,
                    p.completion,
                    p.verdict.overdue,
                    p.status.value,
                    "; ".join(p.verdict.reasons),
                ]
            )
    return _csv_response(f"cohort-{cohort.pk}-progress.csv", header, rows)


@persona_required(Persona.MANAGER, Persona.AUTHOR)
def cohort_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _managed_cohort(request, pk)
    form = CohortForm(
        request.POST or None,
        initial={
            "name": cohort.name,
            "start_date": cohort.start_date,
            "pathways": list(cohort.pathways.all()),
            "sponsor": cohort.sponsor,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_update(
                cohort=cohort,
                **{**form.cleaned_data, "pathways": list(form.cleaned_data["pathways"])},
            )
        except ProgressError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Cohort saved.")
            return redirect("pathways:cohort_detail", pk=cohort.pk)
    return render(request, "progress/cohort_edit.html", {"cohort": cohort, "form": form})


@require_POST
@persona_required(Persona.MANAGER, Persona.AUTHOR)
def cohort_members(request: HttpRequest, pk: int) -> HttpResponse:
    """Add whole teams, remove a member, or make / unmake a change champion."""
    cohort = _managed_cohort(request, pk)
    action = request.POST.get("action")
    try:
        if action == "add_teams":
            form = AddTeamsForm(request.POST, teams=selectors.proposal_pool(request.user))
            if not form.is_valid():
                raise ProgressError("Choose one or more teams.")
            added = services.cohort_add_teams(cohort=cohort, teams=form.cleaned_data["teams"])
            messages.success(request, f"Added {added} people.")
        elif action in ("remove", "champion", "unchampion"):
            try:
                user_id = int(request.POST.get("user", ""))
            except ValueError as exc:
                raise ProgressError("Choose a member.") from exc
            if action == "remove":
                services.cohort_remove_member(cohort=cohort, user_id=user_id)
                messages.success(request, "Removed from the cohort; their progress is kept.")
            else:
                services.cohort_set_champion(
                    cohort=cohort, user_id=user_id, is_champion=action == "champion"
                )
                messages.success(request, "Change champions updated.")
        else:
            raise ProgressError("Unknown action.")
    except ProgressError as exc:
        messages.error(request, str(exc))
    return redirect("pathways:cohort_detail", pk=cohort.pk)


@require_POST
@persona_required(Persona.MANAGER, Persona.AUTHOR)
def cohort_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _managed_cohort(request, pk)
    try:
        created = services.cohort_enrol(cohort=cohort)
    except ProgressError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Enrolled {created} members on their pathways.")
    return redirect("pathways:cohort_detail", pk=cohort.pk)
