from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from org import selectors as org_selectors
from org.models import Persona
from org.permissions import persona_required


@persona_required(Persona.LEARNER)
def learn(request: HttpRequest) -> HttpResponse:
    memberships = org_selectors.memberships_of(user=request.user)
    return render(request, "pathways/learn.html", {"memberships": memberships})
