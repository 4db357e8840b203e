from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from . import access
from .saml.config import saml_enabled


def navigation(request: HttpRequest) -> dict:
    """Navigation entries for the signed-in user's personas."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        ("My learning", reverse("pathways:learn")),
        ("Catalogue", reverse("pathways:catalogue")),
        ("Assessments", reverse("assessments:home")),
    ]
    if access.is_author(user):
        items.append(("Author", reverse("pathways:author_home")))
    if access.is_manager(user):
        items.append(("Dashboards", reverse("metrics:home")))
    if access.is_admin(user):
        items.append(("Admin", reverse("org:platform")))
    current = request.path
    nav = [{"label": label, "url": url, "current": current.startswith(url)} for label, url in items]
    return {"nav_items": nav, "personas": sorted(access.personas(user))}


def sign_in(request: HttpRequest) -> dict:
    """What the login page offers: single sign-on, passwords, or both."""
    return {
        "sso_oidc_name": settings.OIDC_PROVIDER_NAME if settings.OIDC_ISSUER else "",
        "sso_saml_name": settings.SAML_PROVIDER_NAME if saml_enabled() else "",
        "password_login": settings.TRELLIS_PASSWORD_LOGIN,
    }
