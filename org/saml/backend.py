"""A verified SAML assertion → a person. The e-mail address comes from the
`SAML_ATTR_EMAIL` attribute (else an e-mail NameID); people are matched by it or created
as learners; name, personas and teams follow the attributes as with OpenID Connect."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest

from .. import services
from ..models import User
from ..sso import apply_identity


def _values(ava: dict[str, list[Any]], name: str) -> list[str] | None:
    """An attribute's values, its name matched case-insensitively; None if absent."""
    for key, values in ava.items():
        if key.lower() == name.lower():
            return [str(v) for v in (values if isinstance(values, list) else [values])]
    return None


def _email(session_info: dict[str, Any]) -> str:
    values = _values(session_info.get("ava") or {}, settings.SAML_ATTR_EMAIL) or []
    name_id = session_info.get("name_id")
    candidates = [*values, getattr(name_id, "text", "") or ""]
    for candidate in candidates:
        try:
            validate_email(candidate.strip())
        except ValidationError:
            continue
        return candidate.strip().lower()
    return ""


class SamlBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        session_info: dict[str, Any] | None = None,
        attribute_mapping: Any = None,
        create_unknown_user: bool = True,
        assertion_info: Any = None,
    ) -> User | None:
        if not session_info:
            return None
        email = _email(session_info)
        if not email:
            return None
        ava = session_info.get("ava") or {}
        name = " ".join(_values(ava, settings.SAML_ATTR_NAME) or [])
        groups = _values(ava, settings.SAML_ATTR_GROUPS)
        job_role = (_values(ava, settings.SAML_ATTR_JOB_ROLE) or [None])[0]
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                if not settings.SAML_CREATE_USERS:
                    return None
                user = services.user_first_sign_in(email=email, full_name=name[:200])
            if not self.user_can_authenticate(user):
                return None
            return apply_identity(
                user,
                name=name,
                groups=groups,
                job_role=job_role,
                persona_groups=settings.SAML_PERSONA_GROUPS,
                team_prefix=settings.SAML_TEAM_GROUP_PREFIX,
            )
