"""Incident → training: the author-editable map, TF-IDF suggestions, exercise drafts."""

import datetime as dt

import pytest
from django.urls import reverse

from incidents import selectors, services
from incidents.exceptions import IncidentsError
from incidents.models import IncidentExercise, TrainingRule, TrainingSuggestion
from pathways.models import Lab, Module, ModuleSkill, Pathway, Skill
from tests.incidents.factories import BASE, IncidentFactory, TimelineEventFactory


@pytest.fixture
def catalogue(db):
    skills = {
        "grounding": Skill.objects.create(
            slug="grounded-answers",
            name="Grounded answers and refusal",
            pillar="prompt-engineering",
            description="Answer only from retrieved sources; refuse when retrieval finds "
            "nothing; golden answer evaluations for policy questions.",
        ),
        "canary": Skill.objects.create(
            slug="canary-rollouts",
            name="Canary rollouts",
            pillar="delivery",
            description="Percentage rollouts, canary stages and automatic rollback gates.",
        ),
        "contracts": Skill.objects.create(
            slug="data-contracts",
            name="Data contracts",
            pillar="data-quality",
            description="Schema contracts and validation checks on upstream tables.",
        ),
    }
    pathway = Pathway.objects.create(slug="sre-track", title="SRE track", status="published")
    module = Module.objects.create(
        pathway=pathway,
        order=1,
        slug="rollouts",
        title="Model canary and rollout patterns",
        objectives=["Ship model changes behind canaries and feature flags"],
    )
    ModuleSkill.objects.create(module=module, skill=skills["canary"])
    return {**skills, "module": module}


def test_rules_map_failure_modes_and_factors_to_training(catalogue, author):
    # given rules for a failure mode and for a contributing factor
    services.training_rule_create(
        created_by=author, failure_mode="hallucination", skill=catalogue["grounding"]
    )
    services.training_rule_create(
        created_by=author, factor_slug="No Canary", module=catalogue["module"]
    )
    incident = IncidentFactory(failure_mode="hallucination", factors=["no-canary"])

    # then the incident lists both, with the reason
    links = selectors.training_for_incident(incident=incident)
    assert [(str(link.skill or link.module), link.reasons) for link in links] == [
        ("Grounded answers and refusal", ["failure mode: Hallucination"]),
        ("Model canary and rollout patterns", ["contributing factor: no-canary"]),
    ]


def test_incidents_that_argue_for_a_skill(catalogue, author, platform_admin):
    # given one rule through a module that teaches the skill, and one confirmed suggestion
    services.training_rule_create(
        created_by=author, factor_slug="no-canary", module=catalogue["module"]
    )
    tagged = IncidentFactory(title="Tagged", factors=["no-canary"])
    confirmed = IncidentFactory(title="Confirmed")
    TrainingSuggestion.objects.create(
        incident=confirmed, skill=catalogue["canary"], status="confirmed"
    )
    IncidentFactory(title="Unrelated", factors=["other"])
    TrainingSuggestion.objects.create(
        incident=IncidentFactory(title="Rejected"), skill=catalogue["canary"], status="rejected"
    )

    found = selectors.incidents_arguing_for_skill(skill=catalogue["canary"], user=platform_admin)

    assert sorted(found.values_list("title", flat=True)) == ["Confirmed", "Tagged"]
    assert {tagged.pk, confirmed.pk} == set(found.values_list("pk", flat=True))


def test_rules_are_checked(catalogue, author):
    with pytest.raises(IncidentsError, match="either a failure mode or a contributing factor"):
        services.training_rule_create(created_by=author, skill=catalogue["canary"])
    with pytest.raises(IncidentsError, match="Choose the skill or the module"):
        services.training_rule_create(created_by=author, failure_mode="drift")
    services.training_rule_create(
        created_by=author, failure_mode="drift", skill=catalogue["canary"]
    )
    with pytest.raises(IncidentsError, match="already has this rule"):
        services.training_rule_create(
            created_by=author, failure_mode="drift", skill=catalogue["canary"]
        )
    assert TrainingRule.objects.count() == 1


def test_suggestions_by_text_similarity_are_confirmed_or_rejected(catalogue, author):
    # given an incident whose postmortem talks about retrieval and refusing
    incident = IncidentFactory(
        title="Assistant answered policy questions with nothing retrieved",
        root_causes="Retrieval returned no sources and the assistant did not refuse.",
        failure_mode="hallucination",
    )

    # when suggestions are computed
    assert services.training_suggestions_refresh() == 1

    # then the grounding skill is suggested first, and nothing is confirmed yet
    pending = list(selectors.suggestions_pending(incident=incident))
    assert pending[0].skill == catalogue["grounding"]
    assert all(s.score >= services.SUGGESTION_MIN_SCORE for s in pending)
    assert selectors.training_for_incident(incident=incident) == []

    # when the author confirms it and rejects the rest
    services.training_suggestion_decide(suggestion=pending[0], confirm=True, decided_by=author)
    for other in pending[1:]:
        services.training_suggestion_decide(suggestion=other, confirm=False, decided_by=author)

    # then the incident shows it, and a refresh keeps the decisions
    links = selectors.training_for_incident(incident=incident)
    assert [(link.skill, link.reasons) for link in links] == [
        (catalogue["grounding"], ["confirmed by an author"])
    ]
    services.training_suggestions_refresh(incident_ids=[incident.pk])
    assert list(selectors.suggestions_pending(incident=incident)) == []
    assert TrainingSuggestion.objects.filter(status="confirmed").count() == 1
    with pytest.raises(IncidentsError, match="already been decided"):
        services.training_suggestion_decide(suggestion=pending[0], confirm=False, decided_by=author)


def test_only_new_or_changed_incidents_are_looked_at_again(catalogue):
    incident = IncidentFactory(title="Canary rollout missing")
    assert services.training_suggestions_refresh() == 1
    assert services.training_suggestions_refresh() == 0
    incident.updated_at = incident.updated_at + dt.timedelta(hours=1)
    incident.save(update_fields=["updated_at"])
    assert services.training_suggestions_refresh() == 1


def test_training_map_page_is_for_authors(client, catalogue, author, manager):
    client.force_login(manager)
    assert client.get(reverse("incidents:training_map")).status_code == 403

    client.force_login(author)
    response = client.post(
        reverse("incidents:training_map"),
        {"failure_mode": "bad-deployment", "skill": catalogue["canary"].pk},
    )
    assert response["Location"] == reverse("incidents:training_map")
    rule = TrainingRule.objects.get()
    assert (rule.failure_mode, rule.skill, rule.created_by) == (
        "bad-deployment",
        catalogue["canary"],
        author,
    )
    html = client.get(reverse("incidents:training_map")).content.decode()
    assert "failure mode <strong>Bad deployment or config</strong>" in html
    client.post(reverse("incidents:training_rule_delete", args=[rule.pk]))
    assert TrainingRule.objects.count() == 0


def test_a_skill_page_link_lists_the_incidents_arguing_for_it(client, catalogue, author):
    services.training_rule_create(
        created_by=author, failure_mode="bad-deployment", skill=catalogue["canary"]
    )
    IncidentFactory(title="Broken config shipped", failure_mode="bad-deployment")
    IncidentFactory(title="Provider down", failure_mode="dependency-outage")
    client.force_login(author)

    html = client.get(reverse("incidents:list") + "?skill=canary-rollouts").content.decode()

    assert ">Broken config shipped<" in html and "Provider down" not in html


def test_exercise_draft_from_a_postmortem(client, catalogue, author):
    # given a postmortem with a timeline, mapped to a skill
    services.training_rule_create(
        created_by=author, failure_mode="bad-deployment", skill=catalogue["canary"]
    )
    incident = IncidentFactory(
        title="Rollout doubled latency",
        summary="A batching setting for offline scoring reached online serving.",
        failure_mode="bad-deployment",
        rolled_back=True,
        root_causes="Setting copied from the offline profile.",
    )
    TimelineEventFactory(incident=incident, position=0, at=BASE, description="Rollout starts")
    TimelineEventFactory(
        incident=incident, position=1, at=BASE + dt.timedelta(minutes=6), description="SLO alert"
    )
    TimelineEventFactory(
        incident=incident, position=2, at=BASE + dt.timedelta(minutes=91), description="Rolled back"
    )
    client.force_login(author)

    # when the author drafts an exercise
    response = client.post(reverse("incidents:exercise_create", args=[incident.pk]))

    # then a lab exists in the draft library pathway, with injects from the timeline
    exercise = IncidentExercise.objects.get()
    assert response["Location"] == reverse("incidents:exercise_edit", args=[exercise.pk])
    lab = exercise.lab
    pathway = lab.module.pathway
    assert (pathway.slug, pathway.kind, pathway.status) == (
        "incident-exercises",
        "library",
        "draft",
    )
    assert (lab.slug, lab.title) == (f"incident-{incident.pk}", "Tabletop: Rollout doubled latency")
    assert "1. T+0:00: Rollout starts\n2. T+0:06: SLO alert\n3. T+1:31: Rolled back\n" in (
        lab.instructions
    )
    assert "- How would a canary or a staged rollout have limited the blast radius?" in (
        lab.instructions
    )
    assert "- The real team rolled back. When would you have decided to?" in lab.instructions
    assert "**Root causes:** Setting copied from the offline profile." in lab.instructions
    assert list(lab.skills.all()) == [catalogue["canary"]]

    # and drafting again gives the same exercise; the author can edit it
    assert services.exercise_draft_create(incident=incident, created_by=author) == exercise
    response = client.post(
        reverse("incidents:exercise_edit", args=[exercise.pk]),
        {"title": "Tabletop: the latency rollout", "instructions": "## Scenario\n\nEdited."},
    )
    lab.refresh_from_db()
    assert (lab.title, lab.instructions) == (
        "Tabletop: the latency rollout",
        "## Scenario\n\nEdited.",
    )
    assert Lab.objects.count() == 1


def test_published_exercises_are_not_edited_in_place(catalogue, author):
    incident = IncidentFactory()
    exercise = services.exercise_draft_create(incident=incident, created_by=author)
    Pathway.objects.filter(pk=exercise.lab.module.pathway_id).update(status="published")

    with pytest.raises(IncidentsError, match="This exercise is published"):
        services.exercise_update(exercise=exercise, title="New", instructions="x")

    # a new draft library version takes the next exercise
    second = services.exercise_draft_create(incident=IncidentFactory(), created_by=author)
    assert second.lab.module.pathway.version == 2
