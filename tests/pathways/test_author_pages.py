"""Author pages: who may open them, and editing a curriculum through them."""

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pathways import services
from pathways.catalogue import exporter
from pathways.models import Capstone, Lab, Module, Pathway, PathwayOutcome, Role, Skill

from .factories import PathwayFactory, RoleFactory, SkillFactory, pathway_with_modules


@pytest.fixture
def published(db):
    return pathway_with_modules(2, slug="sre", title="SRE", role=RoleFactory(slug="sre"))


def author_urls(pathway: Pathway) -> list[str]:
    module = pathway.modules.order_by("order").first()
    lab = module.labs.first()
    args = [pathway.slug, pathway.version]
    return [
        reverse("pathways:author_home"),
        reverse("pathways:author_roles"),
        reverse("pathways:author_role_create"),
        reverse("pathways:author_skills"),
        reverse("pathways:author_skill_create"),
        reverse("pathways:author_upload"),
        reverse("pathways:author_download", args=["skills"]),
        reverse("pathways:author_pathway_create"),
        reverse("pathways:author_pathway", args=args),
        reverse("pathways:author_pathway_history", args=[pathway.slug]),
        reverse("pathways:author_pathway_export", args=args),
        reverse("pathways:author_module_create", args=args),
        reverse("pathways:author_module_edit", args=[*args, module.slug]),
        reverse("pathways:author_lab_edit", args=[*args, module.slug, lab.slug]),
        reverse("pathways:author_outcome_create", args=args),
        reverse("pathways:author_capstone_create", args=args),
    ]


def author_posts(pathway: Pathway) -> list[str]:
    module = pathway.modules.order_by("order").first()
    args = [pathway.slug, pathway.version]
    return [
        reverse("pathways:author_pathway_create"),
        reverse("pathways:author_pathway_publish", args=args),
        reverse("pathways:author_pathway_new_draft", args=args),
        reverse("pathways:author_pathway_archive", args=args),
        reverse("pathways:author_module_delete", args=[*args, module.slug]),
        reverse("pathways:author_module_move", args=[*args, module.slug]),
        reverse("pathways:author_role_create"),
        reverse("pathways:author_upload"),
    ]


def state() -> tuple:
    return (
        list(Pathway.objects.values_list("slug", "version", "status")),
        list(Module.objects.values_list("slug", "order")),
        Role.objects.count(),
        Skill.objects.count(),
    )


def test_learners_get_403_on_author_pages_and_nothing_changes(client, learner, published):
    client.force_login(learner)
    before = state()
    for url in author_urls(published):
        assert client.get(url).status_code == 403, url
    for url in author_posts(published):
        assert client.post(url, {"title": "X", "name": "X", "direction": "up"}).status_code == 403
    assert state() == before


def test_anonymous_visitors_are_sent_to_login(client, published):
    for url in author_urls(published):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_authors_reach_every_author_page(client, author, published):
    draft = services.pathway_create_draft(pathway=published)
    client.force_login(author)
    for url in author_urls(draft):
        assert client.get(url).status_code == 200, url
    # Editing pages of a frozen version send the author back to its page.
    frozen = reverse("pathways:author_pathway", args=["sre", 1])
    for url in author_urls(published)[11:]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, frozen), url


def test_author_creates_a_draft_pathway(client, author, db):
    RoleFactory(slug="sre", name="SRE")
    client.force_login(author)
    response = client.post(
        reverse("pathways:author_pathway_create"),
        {"title": "Tracing basics", "kind": "track", "role": "sre", "duration_weeks": 10},
    )
    pathway = Pathway.objects.get()
    assert (pathway.slug, pathway.version, pathway.status, pathway.role.slug) == (
        "tracing-basics",
        1,
        "draft",
        "sre",
    )
    assert pathway.created_by == author
    assert response["Location"] == reverse("pathways:author_pathway", args=["tracing-basics", 1])


def test_invalid_pathway_shows_inline_errors_and_saves_nothing(client, author, db):
    client.force_login(author)
    response = client.post(
        reverse("pathways:author_pathway_create"),
        {"title": "Too long", "kind": "track", "duration_weeks": 14, "slug": "Bad Slug"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Please correct the 1 problem below." in html
    assert "Use lowercase letters, digits, hyphens and underscores only." in html
    assert 'aria-invalid="true"' in html
    assert not Pathway.objects.exists()

    service_error = client.post(
        reverse("pathways:author_pathway_create"),
        {"title": "Too long", "kind": "track", "duration_weeks": 14},
    )
    assert service_error.status_code == 400
    assert "A role track lasts 10 to 12 weeks." in service_error.content.decode()
    assert not Pathway.objects.exists()


def test_author_adds_modules_with_skills_and_a_lab_then_reorders(client, author, db):
    skill = SkillFactory(slug="tracing", name="Tracing")
    draft = PathwayFactory(slug="ops", status="draft", duration_weeks=12)
    client.force_login(author)
    args = ["ops", 1]
    for title in ("First steps", "Second steps"):
        response = client.post(
            reverse("pathways:author_module_create", args=args),
            {
                "title": title,
                "week_start": 1,
                "week_end": 2,
                "pillar": "observability",
                "objectives": "Know it\n\nDo it\n",
                "content": "Read **this**.",
                "skill_tracing": "4",
            },
        )
        assert response.status_code == 302
    lab = client.post(
        reverse("pathways:author_lab_create", args=[*args, "first-steps"]),
        {
            "title": "Trace it",
            "deliverables": "A trace\nA note",
            "checklist": "Spans named",
            "artifact_schema": "drift-alert-runbook",
            "skills": ["tracing"],
        },
    )
    assert lab.status_code == 302
    client.post(
        reverse("pathways:author_module_move", args=[*args, "second-steps"]),
        {"direction": "up"},
    )

    modules = list(draft.modules.order_by("order"))
    assert [(m.slug, m.order) for m in modules] == [("second-steps", 1), ("first-steps", 2)]
    assert modules[1].objectives == ["Know it", "Do it"]
    assert modules[1].module_skills.get().skill == skill
    assert modules[1].module_skills.get().target_level == 4
    made = Lab.objects.get()
    assert (made.slug, made.deliverables, made.checklist, made.artifact_schema) == (
        "trace-it",
        ["A trace", "A note"],
        ["Spans named"],
        "drift-alert-runbook",
    )
    assert list(made.skills.all()) == [skill]
    editor = client.get(reverse("pathways:author_pathway", args=args)).content.decode()
    assert editor.index("<h3>Second steps</h3>") < editor.index("<h3>First steps</h3>")


def test_module_errors_are_shown_next_to_the_fields(client, author, db):
    PathwayFactory(slug="ops", status="draft", duration_weeks=10)
    client.force_login(author)
    response = client.post(
        reverse("pathways:author_module_create", args=["ops", 1]),
        {"title": "Only one", "week_start": 9, "week_end": 11, "objectives": "Just one"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Give at least two learning objectives, one per line." in html
    assert "The pathway lasts 10 weeks; week 11 is past its end." in html
    assert not Module.objects.exists()


def test_published_versions_cannot_be_edited_through_the_pages(client, author, published):
    client.force_login(author)
    module = published.modules.order_by("order").first()
    response = client.post(
        reverse("pathways:author_module_edit", args=["sre", 1, module.slug]),
        {"title": "Changed", "week_start": 1, "week_end": 1, "objectives": "a\nb"},
        follow=True,
    )
    assert "Version 1 is published and frozen." in response.content.decode()
    module.refresh_from_db()
    assert module.title != "Changed"
    deleted = client.post(
        reverse("pathways:author_module_delete", args=["sre", 1, module.slug]), follow=True
    )
    assert "published versions are frozen" in deleted.content.decode()
    assert published.modules.count() == 2


def test_new_draft_then_publish_from_the_editor(client, author, published):
    client.force_login(author)
    response = client.post(reverse("pathways:author_pathway_new_draft", args=["sre", 1]))
    assert response["Location"] == reverse("pathways:author_pathway", args=["sre", 2])
    editor = client.get(response["Location"]).content.decode()
    assert "Publish version 2" in editor

    published_page = client.post(
        reverse("pathways:author_pathway_publish", args=["sre", 2]), follow=True
    )

    assert "Version 2 is published. New learners get this version." in (
        published_page.content.decode()
    )
    assert dict(Pathway.objects.values_list("version", "status")) == {
        1: "archived",
        2: "published",
    }


def test_publishing_an_incomplete_draft_explains_why(client, author, db):
    PathwayFactory(slug="empty", title="Empty", status="draft")
    client.force_login(author)
    response = client.post(
        reverse("pathways:author_pathway_publish", args=["empty", 1]), follow=True
    )
    assert (
        "This version cannot be published yet. A published pathway needs at least one module."
        in response.content.decode()
    )
    assert Pathway.objects.get().status == "draft"


def test_history_shows_versions_and_the_diff(client, author, published):
    client.force_login(author)
    client.post(reverse("pathways:author_pathway_new_draft", args=["sre", 1]))
    client.post(
        reverse("pathways:author_pathway_edit", args=["sre", 2]),
        {
            "title": "SRE, second edition",
            "kind": "track",
            "role": "sre",
            "duration_weeks": 12,
            "change_note": "New title",
        },
    )
    html = client.get(
        reverse("pathways:author_pathway_history", args=["sre"]), {"old": 1, "new": 2}
    ).content.decode()
    assert "Changes from v1 to v2" in html
    assert "<td>title</td><td>changed</td><td>SRE</td><td>SRE, second edition</td>" in html
    assert "+title: SRE, second edition" in html


def test_yaml_download_and_upload_round_trip(client, author, published):
    client.force_login(author)
    download = client.get(reverse("pathways:author_pathway_export", args=["sre", 1]))
    assert download["Content-Type"] == "application/yaml; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="sre-v1.yaml"'
    text = download.content.decode()
    full = exporter.pathway_prefetch(Pathway.objects.filter(pk=published.pk)).get()
    assert text == exporter.pathway_yaml(full)

    data = yaml.safe_load(text)
    data.update({"version": 2, "title": "SRE uploaded", "status": "published"})
    upload = SimpleUploadedFile("sre-v2.yaml", yaml.safe_dump(data).encode())
    response = client.post(reverse("pathways:author_upload"), {"file": upload}, follow=True)

    assert "sre-v2.yaml loaded: 1 created, 0 updated, 0 unchanged." in response.content.decode()
    v2 = Pathway.objects.get(slug="sre", version=2)
    assert (v2.title, v2.status, v2.modules.count()) == ("SRE uploaded", "published", 2)


def test_upload_with_errors_lists_them_and_saves_nothing(client, author, published):
    client.force_login(author)
    bad = (
        "kind: track\nslug: other\ntitle: Other\nduration_weeks: 20\n"
        "modules:\n  - slug: m\n    title: M\n    week_start: 1\n    week_end: 1\n"
        "    objectives: [one]\n"
    )
    response = client.post(
        reverse("pathways:author_upload"),
        {"file": SimpleUploadedFile("other.yaml", bad.encode())},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved. Fix 2 problems and upload again:" in html
    assert (
        "<code>other.yaml:4</code> <strong>duration_weeks</strong>: "
        "Input should be less than or equal to 12" in html
    )
    assert "<code>other.yaml:10</code> <strong>modules[0].objectives</strong>:" in html
    assert not Pathway.objects.filter(slug="other").exists()


def test_outcome_and_capstone_forms(client, author, db):
    draft = PathwayFactory(slug="ops", status="draft")
    SkillFactory(slug="tracing")
    client.force_login(author)
    args = ["ops", 1]
    client.post(
        reverse("pathways:author_outcome_create", args=args),
        {
            "kpi_key": "mttm",
            "description": "Mitigate hallucinations faster",
            "target_change_pct": "-40",
            "window_days": 90,
            "filters": "failure_mode=hallucination",
        },
    )
    outcome = PathwayOutcome.objects.get(pathway=draft)
    assert (outcome.kpi_key, outcome.target_change_pct, outcome.filters) == (
        "mttm",
        -40,
        {"failure_mode": "hallucination"},
    )
    bad_rubric = client.post(
        reverse("pathways:author_capstone_create", args=args),
        {"title": "Final", "rubric": "- criterion: Tests\n"},
    )
    assert bad_rubric.status_code == 400
    assert "0.levels: Field required" in bad_rubric.content.decode()
    client.post(
        reverse("pathways:author_capstone_create", args=args),
        {
            "title": "Final",
            "rubric": "- criterion: Tests\n  levels:\n  - {label: Good, points: 3}\n",
            "skills": ["tracing"],
        },
    )
    capstone = Capstone.objects.get(pathway=draft)
    assert capstone.rubric == [
        {"criterion": "Tests", "description": "", "levels": [{"label": "Good", "points": 3}]}
    ]
    edit = client.get(reverse("pathways:author_capstone_edit", args=[*args, "final"]))
    assert "- criterion: Tests" in edit.content.decode()


def test_roles_and_skills_are_created_and_edited(client, author, db):
    client.force_login(author)
    client.post(
        reverse("pathways:author_skill_create"),
        {"name": "Span design", "pillar": "observability", "kind": "skill"},
    )
    client.post(
        reverse("pathways:author_role_create"),
        {
            "name": "Platform engineer",
            "exposure": 3,
            "influence": 4,
            "career_ladder": "- career_level: junior\n  title: Platform engineer I\n",
        },
    )
    role = Role.objects.get(slug="platform-engineer")
    assert role.career_ladder == [
        {
            "career_level": "junior",
            "title": "Platform engineer I",
            "summary": "",
            "expectations": [],
        }
    ]
    assert Skill.objects.get(slug="span-design").pillar == "observability"

    response = client.post(
        reverse("pathways:author_role_edit", args=["platform-engineer"]),
        {"name": "Platform engineer", "exposure": 3, "influence": 4, "career_ladder": "- [x"},
    )
    assert response.status_code == 400
    assert "This is not valid YAML (line 1)." in response.content.decode()
    client.post(
        reverse("pathways:author_skill_edit", args=["span-design"]),
        {"name": "Span and trace design", "pillar": "observability", "kind": "knowledge"},
    )
    skill = Skill.objects.get(slug="span-design")
    assert (skill.name, skill.kind) == ("Span and trace design", "knowledge")


def test_markdown_fields_carry_the_live_preview(client, author, db):
    PathwayFactory(slug="ops", status="draft")
    client.force_login(author)
    html = client.get(reverse("pathways:author_module_create", args=["ops", 1])).content.decode()
    assert f'hx-post="{reverse("pathways:author_preview")}"' in html
    assert 'hx-target="#preview-content"' in html
    assert '<div id="preview-content" aria-live="polite"></div>' in html


def test_author_home_lists_the_newest_version_of_each_pathway(client, author, published):
    client.force_login(author)
    client.post(reverse("pathways:author_pathway_new_draft", args=["sre", 1]))
    html = client.get(reverse("pathways:author_home")).content.decode()
    assert 'href="/author/pathways/sre/v2/">SRE</a>' in html
    assert 'v2 <span class="badge badge-draft">Draft</span>' in html
    assert "<td>v1</td>" in html


def test_author_home_links_to_the_matrix_cohorts_and_assessments(client, author):
    client.force_login(author)
    html = client.get(reverse("pathways:author_home")).content.decode()
    assert f'href="{reverse("pathways:matrix")}"' in html
    assert f'href="{reverse("pathways:cohort_list")}"' in html
    assert f'href="{reverse("assessments:author_home")}"' in html
    assert f'href="{reverse("assessments:review_queue")}"' in html
    assert f'href="{reverse("incidents:training_map")}"' in html
