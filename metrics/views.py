from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from org import selectors as org_selectors
from org.models import Persona
from org.permissions import persona_required


@persona_required(Persona.MANAGER)
def home(request: HttpRequest) -> HttpResponse:
    teams = org_selectors.team_list_for_user(user=request.user)
    return render(request, "metrics/home.html", {"teams": teams})
