"""SAML 2.0 sign-in (djangosaml2 on pysaml2), switched on by pointing Trellis at the
identity provider's metadata (`SAML_IDP_METADATA_URL` or `SAML_IDP_METADATA_FILE`).

`config` builds the service provider's pysaml2 configuration from the settings,
`backend` turns a verified assertion's attributes into a person (like `org.oidc`),
`views` are djangosaml2's views, answering 404 while SAML is off. See docs/identity.md.
"""
