"""What the author pages share: the persona check, applying a form to a service call,
the save-and-return edit page, finding a version, YAML responses.
"""

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from org.models import Persona
from org.permissions import persona_required

from ..exceptions import PathwayError
from ..models import Pathway

author_required = persona_required(Persona.AUTHOR)


# --- helpers ----------------------------------------------------------------------------


def _apply(form: django_forms.Form, call: Callable[[], Any]) -> Any:
    """Run a service; put its validation errors on the form. None when it refused."""
    try:
        return call()
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, messages_ in errors.items():
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message if target else _prefixed(field, message))
        return None
    except PathwayError as exc:
        # Published after the view checked it: the service checks again under lock.
        form.add_error(None, str(exc))
        return None


def _prefixed(field: str | None, message: str) -> str:
    if not field or field == "__all__":
        return message
    return f"{field.replace('_', ' ').capitalize()}: {message}"


def _form_page(
    request: HttpRequest, form: django_forms.Form, *, title: str, back: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "pathways/author/form.html",
        {"form": form, "title": title, "back": back, **extra},
        status=400 if form.is_bound and form.errors else 200,
    )


def _save_page(
    request: HttpRequest,
    form: django_forms.Form,
    *,
    save: Callable[[dict[str, Any]], Any],
    noun: str,
    done: str,
    title: str,
    **extra: Any,
) -> HttpResponse:
    """The edit page of a catalogue entry (a role, a skill): on a valid POST, save the
    cleaned data through `save`, say so and go back to the list named `done`; otherwise
    show the form, with the service's validation errors on it."""
    if request.method == "POST" and form.is_valid():
        saved = _apply(form, lambda: save(form.cleaned_data))
        if saved is not None:
            messages.success(request, f"{noun} “{saved.name}” saved.")
            return redirect(done)
    return _form_page(request, form, title=title, back=reverse(done), **extra)


def _version(slug: str, version: int) -> Pathway:
    return get_object_or_404(Pathway.objects.select_related("role"), slug=slug, version=version)


def _editor_url(pathway: Pathway) -> str:
    return reverse("pathways:author_pathway", args=[pathway.slug, pathway.version])


def _draft_or_message(request: HttpRequest, pathway: Pathway) -> bool:
    if pathway.status == Pathway.Status.DRAFT:
        return True
    messages.error(
        request,
        f"Version {pathway.version} is {pathway.status} and frozen. "
        "Start a new draft to change it.",
    )
    return False


def _yaml_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
