"""Two writes of one draft pathway at once, on PostgreSQL: a form sent twice (a double
click on "Save"), or a module added while another author publishes the draft. Each test
holds the first write's transaction open, waits until the second is blocked behind it
(or done), then lets the first commit.
"""

import pytest
from django.test import Client
from django.urls import reverse

from pathways import services
from pathways.models import Pathway
from tests.concurrency import overlap

from .factories import pathway_with_modules

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MODULE = {
    "title": "Error budgets",
    "week_start": 2,
    "week_end": 3,
    "objectives": "Set an error budget\nSpend it on purpose",
}


@pytest.fixture
def draft(db) -> Pathway:
    return services.pathway_create_draft(pathway=pathway_with_modules(1, slug="sre"))


def _add_module(author, draft: Pathway):  # type: ignore[no-untyped-def]
    """The "New module" form, sent by the author in a browser of their own."""
    browser = Client()
    browser.force_login(author)
    url = reverse("pathways:author_module_create", args=[draft.slug, draft.version])
    return lambda: browser.post(url, MODULE)


def test_a_new_module_sent_twice_at_once_is_added_once_and_the_second_told_why(author, draft):
    # given the first submit of a new module, not committed yet
    first, second = _add_module(author, draft), _add_module(author, draft)

    # when the form is sent a second time (a double click)
    outcome = overlap(first, second)

    # then the second waited and its page says the module exists
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 400
    assert "This pathway already has a module “error-budgets”." in outcome["value"].text
    assert draft.modules.filter(slug="error-budgets").count() == 1


def test_a_module_added_while_the_draft_is_published_is_refused(author, draft):
    # given the draft being published, not committed yet
    def publish() -> None:
        services.pathway_publish(pathway=Pathway.objects.get(pk=draft.pk))

    # when another author sends a new module for it
    outcome = overlap(publish, _add_module(author, draft))

    # then the module is refused on the form's page: a published version is frozen
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 400
    assert "published versions are frozen" in outcome["value"].text
    assert not draft.modules.filter(slug="error-budgets").exists()


def _new_pathway(author):  # type: ignore[no-untyped-def]
    """The "New pathway" form, sent by the author in a browser of their own."""
    browser = Client()
    browser.force_login(author)
    data = {"title": "Platform engineering", "slug": "platform", "kind": "track"}
    data |= {"duration_weeks": 12, "summary": "Build the paved road."}
    return lambda: browser.post(reverse("pathways:author_pathway_create"), data)


def test_a_new_pathway_sent_twice_at_once_is_created_once_and_the_second_told_why(author, db):
    # given the first submit of a new pathway, not committed yet
    first, second = _new_pathway(author), _new_pathway(author)

    # when the form is sent a second time (a double click)
    outcome = overlap(first, second)

    # then the second waited and its page says the slug is taken, as it would a moment later
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 400
    assert "A pathway with the slug “platform” already exists." in outcome["value"].text
    assert Pathway.objects.filter(slug="platform").count() == 1
