"""SCIM 2.0 provisioning at /scim/v2/ (django-scim2): Users are people, Groups are teams.

`tokens` issues and checks the bearer tokens identity providers call with, `auth` is the
django-scim2 auth check that uses them, `filters` maps SCIM filter attributes to columns
and `adapters` turns people and teams into SCIM resources and back. See docs/identity.md.
"""
