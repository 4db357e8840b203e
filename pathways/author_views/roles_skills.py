"""Roles and skills: lists and edit pages."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from .. import forms, selectors, services
from ..catalogue.schema import Ladder, in_field_order
from ..models import Role, Skill
from ._helpers import _apply, _form_page, author_required


@author_required
def role_list(request: HttpRequest) -> HttpResponse:
    return render(request, "pathways/author/roles.html", {"roles": selectors.role_list()})


@author_required
def role_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    role = get_object_or_404(Role, slug=slug) if slug else None
    initial = (
        {
            "name": role.name,
            "cluster": role.cluster,
            "description": role.description,
            "exposure": role.exposure,
            "influence": role.influence,
            "career_ladder": in_field_order(Ladder, role.career_ladder),
        }
        if role
        else {}
    )
    form = forms.RoleForm(request.POST or None, initial=initial, editing=role is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: services.role_save(
                role=role,
                name=data["name"],
                slug=data.get("slug"),
                description=data["description"],
                cluster=data["cluster"],
                exposure=data["exposure"],
                influence=data["influence"],
                career_ladder=data["career_ladder"],
            ),
        )
        if saved is not None:
            messages.success(request, f"Role “{saved.name}” saved.")
            return redirect("pathways:author_roles")
    role_skills = selectors.role_skills(role=role) if role else []
    return _form_page(
        request,
        form,
        title=f"Edit role “{role.name}”" if role else "New role",
        back=reverse("pathways:author_roles"),
        role_skills=role_skills,
    )


@author_required
def skill_list(request: HttpRequest) -> HttpResponse:
    return render(request, "pathways/author/skills.html", {"skills": selectors.skill_list()})


@author_required
def skill_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    skill = get_object_or_404(Skill, slug=slug) if slug else None
    initial = (
        {
            "name": skill.name,
            "pillar": skill.pillar,
            "kind": skill.kind,
            "description": skill.description,
        }
        if skill
        else {}
    )
    form = forms.SkillForm(request.POST or None, initial=initial, editing=skill is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: services.skill_save(
                skill=skill,
                name=data["name"],
                slug=data.get("slug"),
                pillar=data["pillar"],
                kind=data["kind"],
                description=data["description"],
            ),
        )
        if saved is not None:
            messages.success(request, f"Skill “{saved.name}” saved.")
            return redirect("pathways:author_skills")
    return _form_page(
        request,
        form,
        title=f"Edit skill “{skill.name}”" if skill else "New skill",
        back=reverse("pathways:author_skills"),
    )
