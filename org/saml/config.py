"""The service provider's pysaml2 configuration, built from settings (djangosaml2's
`SAML_CONFIG_LOADER`). Assertions must be signed by the provider's key from its
metadata; remote metadata is read again after `SAML_METADATA_CACHE_SECONDS`.

pysaml2 is imported only when a configuration is built: every page asks `saml_enabled`
(the login page's context), and web processes must not load pysaml2 for that.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import Http404, HttpRequest

if TYPE_CHECKING:
    from saml2.config import SPConfig

_cache: dict[tuple, tuple[float, SPConfig]] = {}


def saml_enabled() -> bool:
    return bool(settings.SAML_IDP_METADATA_URL or settings.SAML_IDP_METADATA_FILE)


def sp_settings() -> dict[str, Any]:
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

    base = settings.TRELLIS_BASE_URL.rstrip("/")
    if settings.SAML_IDP_METADATA_URL:
        metadata = {"remote": [{"url": settings.SAML_IDP_METADATA_URL}]}
    else:
        metadata = {"local": [settings.SAML_IDP_METADATA_FILE]}
    config: dict[str, Any] = {
        "entityid": settings.SAML_SP_ENTITY_ID or f"{base}/saml2/metadata/",
        "xmlsec_binary": settings.SAML_XMLSEC_BINARY,
        "allow_unknown_attributes": True,
        "accepted_time_diff": settings.SAML_CLOCK_SKEW_SECONDS,
        "http_client_timeout": settings.SAML_TIMEOUT,
        "metadata": metadata,
        "service": {
            "sp": {
                "name": "Trellis",
                "endpoints": {
                    "assertion_consumer_service": [(f"{base}/saml2/acs/", BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (f"{base}/saml2/ls/", BINDING_HTTP_REDIRECT),
                        (f"{base}/saml2/ls/post/", BINDING_HTTP_POST),
                    ],
                },
                "allow_unsolicited": settings.SAML_ALLOW_IDP_INITIATED,
                "want_assertions_signed": True,
                "want_response_signed": settings.SAML_WANT_RESPONSE_SIGNED,
                "authn_requests_signed": bool(settings.SAML_SP_KEY_FILE),
                "only_use_keys_in_metadata": True,
            }
        },
    }
    if settings.SAML_SP_KEY_FILE and settings.SAML_SP_CERT_FILE:
        pair = {"key_file": settings.SAML_SP_KEY_FILE, "cert_file": settings.SAML_SP_CERT_FILE}
        config.update(pair, encryption_keypairs=[pair])
    return config


def sp_config(request: HttpRequest | None = None) -> SPConfig:
    """The configuration (cached per settings; 404 while SAML is switched off)."""
    if not saml_enabled():
        raise Http404("SAML sign-in is not configured.")
    from saml2.config import SPConfig

    config = sp_settings()
    key = (repr(sorted(config.items())),)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is None or now - cached[0] > settings.SAML_METADATA_CACHE_SECONDS:
        loaded = SPConfig()
        loaded.load(config)
        _cache.clear()
        _cache[key] = cached = (now, loaded)
    return cached[1]
