"""SCIM filter attributes → columns (django-scim2 turns filters into SQL with them)."""

from django_scim.filters import FilterQuery

from ..models import Team, User


class UserFilter(FilterQuery):
    attr_map = {
        ("userName", None, None): "email",
        ("emails", "value", None): "email",
        ("externalId", None, None): "scim_external_id",
        ("displayName", None, None): "full_name",
        ("active", None, None): "is_active",
        ("id", None, None): "id",
    }

    @classmethod
    def table_name(cls) -> str:
        return User._meta.db_table

    @staticmethod
    def model_getter():  # type: ignore[no-untyped-def]
        return User


class TeamFilter(FilterQuery):
    attr_map = {
        ("displayName", None, None): "name",
        ("externalId", None, None): "scim_external_id",
        ("id", None, None): "id",
    }

    @classmethod
    def table_name(cls) -> str:
        return Team._meta.db_table

    @staticmethod
    def model_getter():  # type: ignore[no-untyped-def]
        return Team
