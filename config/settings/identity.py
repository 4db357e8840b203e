"""Single sign-on settings (OpenID Connect and SAML 2.0), read from the environment.

Imported by base.py, which also switches the matching authentication backends on.
See docs/identity.md.
"""

import environ

env = environ.Env()

# --- single sign-on: OpenID Connect (mozilla-django-oidc; see docs/identity.md) ---------
# Set OIDC_ISSUER to switch it on; the provider's endpoints come from its discovery document.
OIDC_ISSUER = env("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_LEEWAY = env.int("OIDC_LEEWAY", default=30)  # seconds of clock skew allowed on expiry
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="single sign-on")
OIDC_CLAIM_EMAIL = env("OIDC_CLAIM_EMAIL", default="email")
OIDC_CLAIM_NAME = env("OIDC_CLAIM_NAME", default="name")
OIDC_CLAIM_GROUPS = env("OIDC_CLAIM_GROUPS", default="groups")
OIDC_CLAIM_JOB_ROLE = env("OIDC_CLAIM_JOB_ROLE", default="job_role")
OIDC_REQUIRE_VERIFIED_EMAIL = env.bool("OIDC_REQUIRE_VERIFIED_EMAIL", default=True)
# persona=group pairs, e.g. "manager=trellis-managers,author=trellis-authors": when set,
# personas follow the groups claim at every sign-in (everyone is a learner).
OIDC_PERSONA_GROUPS = env.dict("OIDC_PERSONA_GROUPS", default={})
# When set (e.g. "trellis-team-"), groups named <prefix><team slug> are the person's teams,
# kept in step at every sign-in; new memberships get the job_role claim or TRELLIS_SSO_JOB_ROLE.
OIDC_TEAM_GROUP_PREFIX = env("OIDC_TEAM_GROUP_PREFIX", default="")
TRELLIS_SSO_JOB_ROLE = env("TRELLIS_SSO_JOB_ROLE", default="unassigned")
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
# --- single sign-on: SAML 2.0 (djangosaml2 on pysaml2; see docs/identity.md) -----------
# Set SAML_IDP_METADATA_URL (or _FILE) to switch it on; Trellis's own metadata is then at
# /saml2/metadata/ and the assertion consumer service at /saml2/acs/.
SAML_IDP_METADATA_URL = env("SAML_IDP_METADATA_URL", default="")
SAML_IDP_METADATA_FILE = env("SAML_IDP_METADATA_FILE", default="")
SAML_PROVIDER_NAME = env("SAML_PROVIDER_NAME", default="SAML single sign-on")
SAML_SP_ENTITY_ID = env("SAML_SP_ENTITY_ID", default="")  # default <base URL>/saml2/metadata/
SAML_SP_KEY_FILE = env("SAML_SP_KEY_FILE", default="")  # optional: signs requests, decrypts
SAML_SP_CERT_FILE = env("SAML_SP_CERT_FILE", default="")
SAML_XMLSEC_BINARY = env("SAML_XMLSEC_BINARY", default="/usr/bin/xmlsec1")
SAML_WANT_RESPONSE_SIGNED = env.bool("SAML_WANT_RESPONSE_SIGNED", default=False)
SAML_ALLOW_IDP_INITIATED = env.bool("SAML_ALLOW_IDP_INITIATED", default=False)
SAML_CLOCK_SKEW_SECONDS = env.int("SAML_CLOCK_SKEW_SECONDS", default=60)
SAML_TIMEOUT = env.int("SAML_TIMEOUT", default=10)
SAML_METADATA_CACHE_SECONDS = env.int("SAML_METADATA_CACHE_SECONDS", default=3600)
SAML_CREATE_USERS = env.bool("SAML_CREATE_USERS", default=True)
SAML_ATTR_EMAIL = env("SAML_ATTR_EMAIL", default="email")
SAML_ATTR_NAME = env("SAML_ATTR_NAME", default="displayName")
SAML_ATTR_GROUPS = env("SAML_ATTR_GROUPS", default="groups")
SAML_ATTR_JOB_ROLE = env("SAML_ATTR_JOB_ROLE", default="job_role")
SAML_PERSONA_GROUPS = env.dict("SAML_PERSONA_GROUPS", default=OIDC_PERSONA_GROUPS)
SAML_TEAM_GROUP_PREFIX = env("SAML_TEAM_GROUP_PREFIX", default=OIDC_TEAM_GROUP_PREFIX)
SAML_CONFIG_LOADER = "org.saml.config.sp_config"
SAML_ACS_FAILURE_RESPONSE_FUNCTION = "org.saml.views.acs_failure"
SAML_CSP_HANDLER = ""  # Trellis sets its own headers; djangosaml2 need not (nor warn)
