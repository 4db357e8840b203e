"""Versioning: publishing freezes, editing starts a new draft, learners keep their version."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pathways import selectors, services
from pathways.exceptions import PathwayError
from pathways.models import Enrollment, Lab, Module, ModuleSkill, Pathway

from .factories import (
    LabFactory,
    ModuleFactory,
    PathwayFactory,
    RoleFactory,
    SkillFactory,
    pathway_with_modules,
)


def test_create_draft_copies_modules_labs_outcomes_and_capstones(db, author):
    published = pathway_with_modules(3, slug="sre", title="SRE")

    draft = services.pathway_create_draft(pathway=published, by=author)

    assert (draft.slug, draft.version, draft.status, draft.created_by) == (
        "sre",
        2,
        "draft",
        author,
    )
    old, new = selectors.pathway_diff(old=published, new=draft)
    assert old == [] and new == ""
    assert Module.objects.filter(pathway=draft).count() == 3
    assert Lab.objects.filter(module__pathway=draft).count() == 3
    assert ModuleSkill.objects.filter(module__pathway=draft).count() == 3
    assert draft.outcomes.get().filters == {"failure_mode": "hallucination"}
    assert draft.capstones.get().skills.count() == 1
    # The copy is separate: the published rows are untouched.
    assert Module.objects.filter(pathway=published).count() == 3


def test_create_draft_twice_returns_the_same_draft(db):
    published = pathway_with_modules(1)
    first = services.pathway_create_draft(pathway=published)
    second = services.pathway_create_draft(pathway=published)
    assert first.pk == second.pk
    assert Pathway.objects.filter(slug=published.slug).count() == 2


def test_published_versions_are_frozen(db):
    pathway = pathway_with_modules(2)
    module = pathway.modules.first()
    with pytest.raises(PathwayError, match="frozen"):
        services.module_update(
            module=module,
            title="Changed",
            week_start=1,
            week_end=1,
            objectives=["a", "b"],
        )
    with pytest.raises(PathwayError, match="frozen"):
        services.lab_delete(lab=Lab.objects.filter(module=module).first())
    with pytest.raises(PathwayError, match="frozen"):
        services.module_create(
            pathway=pathway, title="New", week_start=1, week_end=1, objectives=["a", "b"]
        )
    module.refresh_from_db()
    assert module.title != "Changed"
    assert pathway.modules.count() == 2


def test_publishing_a_new_version_archives_the_old_one(db):
    v1 = pathway_with_modules(2, slug="sre")
    v2 = services.pathway_create_draft(pathway=v1)
    services.module_update(
        module=v2.modules.first(),
        title="Rewritten",
        week_start=1,
        week_end=2,
        objectives=["First objective", "Second objective"],
    )

    services.pathway_publish(pathway=v2)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("archived", "published")
    assert v2.published_at is not None
    assert list(selectors.pathway_catalogue().values_list("slug", "version")) == [("sre", 2)]


def test_publish_refuses_an_incomplete_draft_and_says_why(db):
    draft = services.pathway_create(title="Empty", role=RoleFactory())
    with pytest.raises(PathwayError) as caught:
        services.pathway_publish(pathway=draft)
    assert str(caught.value) == (
        "This version cannot be published yet. A published pathway needs at least one module."
    )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_publish_refuses_a_track_without_a_role(db):
    draft = services.pathway_create(title="Roleless")
    services.module_create(
        pathway=draft, title="M", week_start=1, week_end=1, objectives=["a", "b"]
    )
    with pytest.raises(PathwayError, match=r"A published role track needs a role\."):
        services.pathway_publish(pathway=draft)


def test_publishing_twice_is_refused(db):
    pathway = pathway_with_modules(1, status=Pathway.Status.DRAFT)
    services.pathway_publish(pathway=pathway)
    with pytest.raises(PathwayError, match="published versions are frozen"):
        services.pathway_publish(pathway=pathway)


def test_diff_lists_added_removed_changed_and_reordered_items(db):
    v1 = pathway_with_modules(3, slug="ops")
    draft = services.pathway_create_draft(pathway=v1)
    first, second, third = list(draft.modules.order_by("order"))
    services.module_update(
        module=first,
        title=first.title,
        slug=first.slug,
        week_start=1,
        week_end=1,
        pillar=first.pillar,
        content=first.content,
        skills={ms.skill: ms.target_level for ms in first.module_skills.all()},
        objectives=["Explain the thing.", "Do the thing.", "Teach the thing."],
    )
    services.module_delete(module=second)
    services.module_reorder(pathway=draft, slugs=[third.slug, first.slug])
    services.pathway_update(
        pathway=draft,
        title="Ops, revised",
        kind="track",
        role=draft.role,
        duration_weeks=12,
        primary_goal=draft.primary_goal,
        summary=draft.summary,
        change_note="Tightened",
    )

    changes, unified = selectors.pathway_diff(old=v1, new=draft)

    summary = [(c.path, c.kind, c.old, c.new) for c in changes]
    assert summary == [
        ("title", "changed", v1.title, "Ops, revised"),
        ("change_note", "changed", "", "Tightened"),
        (
            f"modules › {first.slug} › objectives",
            "changed",
            ["Explain the thing.", "Do the thing."],
            ["Explain the thing.", "Do the thing.", "Teach the thing."],
        ),
        ("modules › " + second.slug, "removed", second.title, None),
        ("modules (order)", "changed", [first.slug, third.slug], [third.slug, first.slug]),
    ]
    assert "-title: " + v1.title in unified
    assert "+title: Ops, revised" in unified


def test_module_reorder_and_move(db):
    draft = pathway_with_modules(3, status=Pathway.Status.DRAFT)
    a, b, c = list(draft.modules.order_by("order"))
    services.module_move(module=c, direction="up")
    assert list(draft.modules.order_by("order").values_list("slug", flat=True)) == [
        a.slug,
        c.slug,
        b.slug,
    ]
    services.module_move(module=a, direction="up")  # already first: nothing moves
    assert list(draft.modules.order_by("order").values_list("order", flat=True)) == [1, 2, 3]
    with pytest.raises(PathwayError, match="exactly once"):
        services.module_reorder(pathway=draft, slugs=[a.slug, b.slug])


def test_module_rules_give_field_errors(db):
    draft = services.pathway_create(title="Short", duration_weeks=10)
    with pytest.raises(ValidationError) as caught:
        services.module_create(
            pathway=draft, title="Late", week_start=3, week_end=11, objectives=["only one"]
        )
    assert caught.value.message_dict == {
        "objectives": ["Give at least two learning objectives, one per line."],
        "week_end": ["The pathway lasts 10 weeks; week 11 is past its end."],
    }
    assert draft.modules.count() == 0


def test_lab_slugs_are_unique_across_the_pathway(db):
    draft = pathway_with_modules(2, status=Pathway.Status.DRAFT)
    first, second = list(draft.modules.order_by("order"))
    existing = first.labs.get()
    with pytest.raises(ValidationError) as caught:
        services.lab_create(module=second, title="Copy", slug=existing.slug)
    assert caught.value.message_dict == {
        "slug": [f"This pathway already has a lab “{existing.slug}”."]
    }


def test_track_duration_is_enforced(db):
    with pytest.raises(ValidationError) as caught:
        services.pathway_create(title="Too long", duration_weeks=13)
    assert caught.value.message_dict == {"duration_weeks": ["A role track lasts 10 to 12 weeks."]}
    assert not Pathway.objects.exists()


def test_capstone_rubric_is_validated(db):
    draft = services.pathway_create(title="Caps")
    with pytest.raises(ValidationError) as caught:
        services.capstone_save(pathway=draft, title="Final", rubric=[{"criterion": "Tests"}])
    assert caught.value.message_dict == {"rubric": ["0.levels: Field required"]}
    capstone = services.capstone_save(
        pathway=draft,
        title="Final",
        rubric=[{"criterion": "Tests", "levels": [{"label": "Ok", "points": 2}]}],
        skills=[SkillFactory(slug="testing-skill")],
    )
    assert capstone.rubric == [
        {"criterion": "Tests", "description": "", "levels": [{"label": "Ok", "points": 2}]}
    ]


# --- enrollment ---------------------------------------------------------------------------------


def test_enrolling_pins_the_version_and_re_enrolling_is_harmless(db, learner):
    v1 = pathway_with_modules(1, slug="sre")
    enrollment, created = services.enrollment_create(user=learner, pathway=v1)
    assert created and enrollment.pathway == v1
    v2 = services.pathway_create_draft(pathway=v1)
    services.pathway_publish(pathway=v2)

    again, created_again = services.enrollment_create(user=learner, pathway=v2)

    assert (again.pk, created_again, again.pathway_id) == (enrollment.pk, False, v1.pk)
    assert Enrollment.objects.count() == 1


def test_drafts_cannot_be_joined(db, learner):
    draft = PathwayFactory(status=Pathway.Status.DRAFT)
    with pytest.raises(PathwayError, match=r"Only a published pathway can be joined\."):
        services.enrollment_create(user=learner, pathway=draft)
    assert not Enrollment.objects.exists()


# --- acceptance 4: an enrolled learner keeps version 1 ---------------------------------


def test_learner_on_version_1_still_sees_version_1_after_version_2_is_published(
    client, api_client, learner, author
):
    v1 = PathwayFactory(slug="sre", title="SRE")
    ModuleFactory(pathway=v1, slug="basics", title="Basics v1")
    LabFactory(module=v1.modules.get(), slug="first-lab", title="First lab v1")
    services.enrollment_create(user=learner, pathway=v1)

    v2 = services.pathway_create_draft(pathway=v1, by=author)
    module = v2.modules.get()
    services.module_update(
        module=module,
        title="Basics v2",
        slug="basics",
        week_start=1,
        week_end=2,
        objectives=["New one", "New two"],
    )
    services.lab_update(lab=module.labs.get(), title="First lab v2", slug="first-lab")
    services.pathway_publish(pathway=v2)

    client.force_login(learner)
    page = client.get(reverse("pathways:pathway_detail", args=["sre"])).content.decode()
    assert "Basics v1" in page and "Basics v2" not in page
    assert "You are enrolled on version 1" in page
    module_page = client.get(reverse("pathways:module_detail", args=["sre", "basics"]))
    assert "<h1>Basics v1</h1>" in module_page.content.decode()
    lab_page = client.get(reverse("pathways:lab_detail", args=["sre", "basics", "first-lab"]))
    assert "<h1>First lab v1</h1>" in lab_page.content.decode()

    api_client.force_authenticate(learner)
    body = api_client.get("/api/v1/pathways/sre/").json()
    assert (body["version"], body["enrolled_version"], body["modules"][0]["title"]) == (
        1,
        1,
        "Basics v1",
    )
    assert body["modules"][0]["labs"][0]["title"] == "First lab v1"

    # Someone not enrolled gets the new version.
    newcomer = type(learner).objects.create_user(email="new@example.test", password="x")
    client.force_login(newcomer)
    assert (
        "Basics v2" in client.get(reverse("pathways:pathway_detail", args=["sre"])).content.decode()
    )
    api_client.force_authenticate(newcomer)
    assert api_client.get("/api/v1/pathways/sre/").json()["version"] == 2
