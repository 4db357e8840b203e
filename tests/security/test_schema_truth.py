"""The OpenAPI schema marks as nullable the fields that the API does send as null."""

import pytest
import yaml

NULLABLE = [
    ("RatingOutput", "rated_by"),
    ("PathwayListOutput", "role"),
    ("PathwayDetailOutput", "role"),
    ("AssessmentAuthor", "module"),
    ("AssessmentAuthor", "pathway"),
    ("AssessmentAuthor", "lab"),
    ("AssessmentAuthor", "capstone"),
    ("ImportBatch", "created_by"),
    ("MemberProgressOutput", "reasons"),
    ("MemberProgressOutput", "done"),
]


@pytest.fixture(scope="module")
def components(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        spec = yaml.safe_load(Client().get("/api/schema/").content)
    return spec["components"]["schemas"]


@pytest.mark.parametrize(("component", "field"), NULLABLE)
def test_fields_that_can_be_null_are_marked_nullable(components, component, field):
    assert components[component]["properties"][field].get("nullable") is True
