"""Public credential documents and the verification page (anonymous), revocation
(admins)."""

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from org import access
from org.permissions import persona_required
from pathways.models import Certification

from . import documents, selectors, services
from .exceptions import CredentialError
from .keys import issuer_key

MAX_CHECKED_DOCUMENT = 200_000  # characters of a pasted credential


def _public_json(document: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(document, content_type="application/ld+json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    return response


def _credential(public_id: UUID):  # type: ignore[no-untyped-def]
    credential = selectors.credential_by_public_id(public_id)
    if credential is None:
        raise Http404("No such credential.")
    return credential


@require_GET
def credential_json(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The signed OpenBadgeCredential, exactly as issued."""
    return _public_json(_credential(public_id).document)


@require_http_methods(["GET", "POST"])
def credential_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Anyone may check a credential: the stored one, or a copy pasted into the form."""
    credential = _credential(public_id)
    verification = selectors.credential_verify(credential)
    checked = None
    error = ""
    if request.method == "POST":
        text = request.POST.get("document", "")
        if not text.strip():
            error = "Paste the credential's JSON to check it."
        elif len(text) > MAX_CHECKED_DOCUMENT:
            error = f"A credential is at most {MAX_CHECKED_DOCUMENT} characters."
        else:
            try:
                pasted = json.loads(text)
            except ValueError:
                error = "That is not JSON."
            else:
                if not isinstance(pasted, dict):
                    error = "A credential is a JSON object."
                else:
                    checked = selectors.verify_document(pasted, credential=credential)
    status = 400 if error else 200
    return render(
        request,
        "credentials/verify.html",
        {
            "credential": credential,
            "certification": credential.award.certification,
            "document": credential.document,
            "verification": verification,
            "checked": checked,
            "error": error,
            "can_revoke": access.is_admin(request.user) and not credential.is_revoked,
            "json_url": reverse("credentials:json", args=[credential.public_id]),
            "badge_url": reverse("credentials:badge", args=[credential.public_id]),
        },
        status=status,
    )


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@require_GET
def credential_badge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The badge image (SVG) with the credential baked in (OB 3.0 baking:
    `<openbadges:credential>` holding the JSON in CDATA)."""
    credential = _credential(public_id)
    body = render(
        request,
        "credentials/badge.svg",
        {
            "certification": credential.award.certification,
            "baked": _cdata(json.dumps(credential.document, ensure_ascii=False)),
            "revoked": credential.is_revoked,
        },
        content_type="image/svg+xml",
    )
    body["Content-Disposition"] = f'attachment; filename="badge-{credential.public_id}.svg"'
    return body


@require_GET
def status_list_json(request: HttpRequest, number: int) -> HttpResponse:
    status_list = selectors.status_list_by_number(number)
    if status_list is None:
        raise Http404("No such status list.")
    return _public_json(status_list.document)


@require_GET
def achievement_json(request: HttpRequest, slug: str) -> HttpResponse:
    certification = get_object_or_404(Certification, slug=slug)
    document = {
        "@context": documents.achievement_contexts(),
        **documents.achievement(certification),
    }
    return _public_json(document)


@require_GET
def issuer_json(request: HttpRequest) -> HttpResponse:
    """The issuer profile and its public key (the did:key's Multikey)."""
    key = issuer_key()
    profile = documents.issuer_profile(key)
    return _public_json(
        {
            "@context": documents.achievement_contexts(),
            **profile,
            "verificationMethod": {
                "id": key.verification_method,
                "type": "Multikey",
                "controller": key.did,
                "publicKeyMultibase": key.public_multibase,
            },
        }
    )


@require_POST
@persona_required("admin")
def credential_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    credential = _credential(public_id)
    try:
        services.credential_revoke(
            credential=credential,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except CredentialError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The credential is revoked.")
    return redirect("credentials:page", public_id=credential.public_id)
