from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from org.models import Persona
from org.permissions import persona_required


@persona_required(Persona.AUTHOR)
def author_home(request: HttpRequest) -> HttpResponse:
    return render(request, "pathways/author_home.html")
