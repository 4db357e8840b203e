"""View decorators, mixins and DRF permission classes built on `org.access`."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from . import access


def persona_required(*wanted: str) -> Callable:
    """Anonymous users go to login; signed-in users without the persona get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            access.require_persona(request.user, wanted)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class PersonaRequiredMixin(LoginRequiredMixin):
    personas_allowed: tuple[str, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            access.require_persona(request.user, self.personas_allowed)
        return super().dispatch(request, *args, **kwargs)


class IsAuthor(BasePermission):
    message = "Only authors (L&D admins) may do this."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return access.is_author(request.user)


class IsManager(BasePermission):
    message = "Only managers may do this."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return access.is_manager(request.user)


class IsPlatformAdmin(BasePermission):
    message = "Only platform admins may do this."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return access.is_admin(request.user)


class IsAuthorOrReadOnly(BasePermission):
    message = "Only authors (L&D admins) may change this."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return bool(request.user and request.user.is_authenticated)
        return access.is_author(request.user)
