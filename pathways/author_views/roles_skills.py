"""Roles and skills: lists and edit pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from config.replica import replica_reads

from .. import forms, selectors, services
from ..catalogue.schema import Ladder, in_field_order
from ..models import Role, Skill
from ._helpers import _save_page, author_required


@replica_reads
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
    return _save_page(
        request,
        form,
        save=lambda data: services.role_save(
            role=role,
            name=data["name"],
            slug=data.get("slug"),
            description=data["description"],
            cluster=data["cluster"],
            exposure=data["exposure"],
            influence=data["influence"],
            career_ladder=data["career_ladder"],
        ),
        noun="Role",
        done="pathways:author_roles",
        title=f"Edit role “{role.name}”" if role else "New role",
        role_skills=selectors.role_skills(role=role) if role else [],
    )


@replica_reads
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
    return _save_page(
        request,
        form,
        save=lambda data: services.skill_save(
            skill=skill,
            name=data["name"],
            slug=data.get("slug"),
            pillar=data["pillar"],
            kind=data["kind"],
            description=data["description"],
        ),
        noun="Skill",
        done="pathways:author_skills",
        title=f"Edit skill “{skill.name}”" if skill else "New skill",
    )
