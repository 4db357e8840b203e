"""Cohorts: list, proposal, detail, CSV, edit, members, enrolment."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from org import access
from org.models import Persona
from org.permissions import persona_required

from .. import rules, selectors, services
from ..exceptions import ProgressError
from ..forms import AddTeamsForm, CohortForm, ProposalForm
from ._common import OVERLAP_CHOICES, _csv_response, _overlap_warning, _skipped_note, _today


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
            choice = request.POST.get("on_overlap", "")
            overlaps = selectors.active_cohort_overlaps(
                user_ids=data["members"], cohort=None, today=_today()
            )
            if overlaps and choice not in OVERLAP_CHOICES:
                return _overlap_warning(
                    request, overlaps, target=data["name"], back=request.get_full_path()
                )
            skip = {o.person.pk for o in overlaps} if choice == "skip" else set()
            members = [pk for pk in data["members"] if pk not in skip]
            try:
                cohort = services.cohort_create(
                    name=data["name"],
                    start_date=data["start_date"],
                    pathways=list(data["pathways"]),
                    sponsor=data["sponsor"],
                    created_by=request.user,
                    member_ids=members,
                    champion_ids=[pk for pk in data["champions"] if pk not in skip],
                )
            except ProgressError as exc:
                messages.error(request, str(exc))
            else:
                note = _skipped_note(overlaps) if skip else ""
                messages.success(
                    request, f"Created {cohort.name} with {len(members)} members.{note}"
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
            teams = form.cleaned_data["teams"]
            choice = request.POST.get("on_overlap", "")
            overlaps = selectors.active_cohort_overlaps(
                team_ids=[t.pk for t in teams], cohort=cohort, today=_today()
            )
            if overlaps and choice not in OVERLAP_CHOICES:
                back = reverse("pathways:cohort_detail", args=[cohort.pk])
                return _overlap_warning(request, overlaps, target=cohort.name, back=back)
            skip = [o.person.pk for o in overlaps] if choice == "skip" else []
            added = services.cohort_add_teams(cohort=cohort, teams=teams, skip_user_ids=skip)
            note = _skipped_note(overlaps) if skip else ""
            messages.success(request, f"Added {added} people.{note}")
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
