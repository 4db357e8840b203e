"""The HTML pages: My learning, ratings, matrices, cohorts and the CSV exports."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pathways.models import Cohort, CohortMember, Enrollment, Progress, RoleSkill, SkillRating
from tests.cohorts.factories import (
    CohortFactory,
    CohortMemberFactory,
    EnrollmentFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    SkillRatingFactory,
    pathway_with_schedule,
)
from tests.factories import MembershipFactory, TeamFactory


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def sre(db):
    role = RoleFactory(slug="sre", name="SRE", exposure=5, influence=4)
    slo = SkillFactory(slug="slo", name="SLOs")
    obs = SkillFactory(slug="observability", name="Observability")
    RoleSkillFactory(role=role, skill=slo, criticality=5, level_mid=3, min_day30=2)
    RoleSkillFactory(role=role, skill=obs, criticality=3, level_mid=3, min_day30=1)
    pathway = pathway_with_schedule(role, [(1, 2), (3, 4), (5, 6)], labs=1, title="SRE track")
    return role, {"slo": slo, "observability": obs}, pathway


# --- My learning --------------------------------------------------------------------


def test_my_learning_shows_week_next_step_due_items_and_skills(client, learner, sre):
    role, skills, pathway = sre
    MembershipFactory(user=learner, job_role="sre")
    cohort = CohortFactory(
        name="Spring cohort",
        start_date=timezone.localdate() - timedelta(days=9),
        pathways=[pathway],
    )
    CohortMemberFactory(cohort=cohort, user=learner, role=role, pathway=pathway)
    EnrollmentFactory(user=learner, pathway=pathway, started_on=cohort.start_date)
    SkillRatingFactory(person=learner, skill=skills["slo"], level=2, source="self")
    client.force_login(learner)

    response = client.get(reverse("pathways:learn"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Day <strong>10</strong> of 90 · week 2 · Baseline literacy and guardrails" in html
    assert ">SRE track module 1</a></strong></p>" in html
    assert '>Start<span class="visually-hidden">: SRE track module 1</span></a>' in html
    assert "Spring cohort" in html
    chart = response.context["chart"]
    assert chart == {
        "labels": ["SLOs", "Observability"],
        "current": [2, 0],
        "required": [3, 3],
        "minimum": [2, 1],
        "minimumLabel": "Day-30 minimum",
    }
    assert 'id="skills-chart-data"' in html and 'id="skills-chart"' in html
    assert "chart.umd.min.js" in html
    # the table alternative names the source behind the level
    assert "from Self-assessment" in html


def test_learner_marks_the_next_step_started_then_done(client, learner, sre):
    _, _, pathway = sre
    enrollment = EnrollmentFactory(user=learner, pathway=pathway)
    module = pathway.modules.get(order=1)
    client.force_login(learner)
    url = reverse("pathways:progress_mark")
    client.post(url, {"kind": "module", "item": module.pk, "status": "in_progress"})
    response = client.post(url, {"kind": "module", "item": module.pk, "status": "done"})
    assert response.status_code == 302
    assert list(Progress.objects.values_list("enrollment_id", "module_id", "status")) == [
        (enrollment.pk, module.pk, "done")
    ]


def test_self_assessment_form_records_a_self_rating(client, learner, sre):
    _, skills, _ = sre
    MembershipFactory(user=learner, job_role="sre")
    client.force_login(learner)
    response = client.post(
        reverse("pathways:self_assess"),
        {"skill": skills["observability"].pk, "level": 3, "note": "ran the drill"},
        follow=True,
    )
    assert list(
        SkillRating.objects.values_list("person_id", "skill__slug", "level", "source", "note")
    ) == [(learner.pk, "observability", 3, "self", "ran the drill")]
    assert "Saved: Observability at level 3." in response.content.decode()


def test_my_learning_without_a_team_or_pathway(client, learner):
    client.force_login(learner)
    html = client.get(reverse("pathways:learn")).content.decode()
    assert "You are not enrolled on a pathway yet." in html
    assert "You are not in a team yet." in html


# --- manager rates and sees the heatmap change ----------------------------------------


def test_manager_rating_with_evidence_changes_the_heatmap(client, manager, sre):
    _, skills, _ = sre
    team = TeamFactory(slug="sre-team", managers=[manager])
    person = MembershipFactory(team=team, job_role="sre", user__full_name="Pat").user
    SkillRatingFactory(person=person, skill=skills["slo"], level=1, source="self")
    client.force_login(manager)
    heatmap_url = reverse("pathways:team_heatmap", args=["sre-team"])

    before = client.get(heatmap_url).context["heatmap"].rows[0].cells[skills["slo"].pk]
    response = client.post(
        reverse("pathways:person_rate", args=[person.pk]),
        {
            "skill": skills["slo"].pk,
            "level": 3,
            "source": "manager",
            "note": "Wrote the SLO for the summariser",
            "evidence_url": "https://wiki.example.test/slo",
            "next": heatmap_url,
        },
    )
    after = client.get(heatmap_url).context["heatmap"].rows[0].cells[skills["slo"].pk]

    assert response.status_code == 302 and response["Location"] == heatmap_url
    assert (before.current.level, before.current.source, before.severity) == (
        1,
        "self",
        "critical-gap",
    )
    assert (after.current.level, after.current.source, after.severity) == (3, "manager", "met")
    assert SkillRating.objects.filter(source="manager").values_list("rated_by", "note").get() == (
        manager.pk,
        "Wrote the SLO for the summariser",
    )


def test_manager_rating_without_evidence_is_refused_with_a_message(client, manager, sre):
    _, skills, _ = sre
    person = MembershipFactory(team=TeamFactory(managers=[manager]), job_role="sre").user
    client.force_login(manager)
    response = client.post(
        reverse("pathways:person_rate", args=[person.pk]),
        {"skill": skills["slo"].pk, "level": 3, "source": "manager"},
        follow=True,
    )
    assert "Add an evidence note or a link: what did you see?" in response.content.decode()
    assert not SkillRating.objects.exists()


def test_heatmap_csv(client, manager, sre):
    _, skills, _ = sre
    team = TeamFactory(slug="sre-team", managers=[manager])
    person = MembershipFactory(
        team=team, job_role="sre", user__full_name="=Pat", user__email="pat@example.test"
    ).user
    SkillRatingFactory(person=person, skill=skills["slo"], level=2, source="assessment")
    client.force_login(manager)
    response = client.get(reverse("pathways:team_heatmap_csv", args=["sre-team"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_rows(response) == [
        [
            "person",
            "email",
            "role",
            "career_level",
            "skill",
            "criticality",
            "required",
            "current",
            "source",
            "gap",
            "priority_score",
        ],
        ["'=Pat", "pat@example.test", "sre", "mid", "slo", "5", "3", "2", "assessment", "1", "14"],
        ["'=Pat", "pat@example.test", "sre", "mid", "observability", "3", "3", "0", "", "3", "14"],
    ]


def test_team_enrol_from_the_heatmap(client, manager, sre):
    _, _, pathway = sre
    team = TeamFactory(slug="sre-team", managers=[manager])
    people = [MembershipFactory(team=team).user for _ in range(3)]
    client.force_login(manager)
    response = client.post(
        reverse("pathways:team_enrol", args=["sre-team"]),
        {"pathway": pathway.pk, "started_on": "2026-09-07"},
        follow=True,
    )
    assert "Enrolled 3 people of" in response.content.decode()
    assert sorted(Enrollment.objects.values_list("user_id", flat=True)) == sorted(
        p.pk for p in people
    )


# --- the role × skill matrix --------------------------------------------------------


def _formset_data(role, rows, extra=None):
    data = {
        "role-exposure": 4,
        "role-influence": 2,
        "cells-TOTAL_FORMS": len(rows) + 1,
        "cells-INITIAL_FORMS": len(rows),
        "cells-MIN_NUM_FORMS": 0,
        "cells-MAX_NUM_FORMS": 1000,
    }
    fields = [
        "criticality",
        "level_junior",
        "level_mid",
        "level_senior",
        "level_principal",
        "min_day30",
        "min_day60",
        "min_day90",
    ]
    for i, (cell, values, delete) in enumerate(rows):
        data[f"cells-{i}-id"] = cell.pk
        data[f"cells-{i}-skill"] = cell.skill_id
        for name, value in zip(fields, values, strict=True):
            data[f"cells-{i}-{name}"] = value
        if delete:
            data[f"cells-{i}-DELETE"] = "on"
    n = len(rows)
    if extra:
        skill, values = extra
        data[f"cells-{n}-skill"] = skill.pk
        for name, value in zip(fields, values, strict=True):
            data[f"cells-{n}-{name}"] = value
    else:
        data[f"cells-{n}-skill"] = ""
        for name, value in zip(fields, [3, 2, 3, 4, 5, 1, 2, 3], strict=True):
            data[f"cells-{n}-{name}"] = value
    return data


def test_author_edits_criticality_levels_and_adds_and_removes_skills(client, author, sre):
    role, skills, _ = sre
    slo = RoleSkill.objects.get(skill=skills["slo"])
    obs = RoleSkill.objects.get(skill=skills["observability"])
    new_skill = SkillFactory(slug="rollback", name="Rollback")
    client.force_login(author)
    url = reverse("pathways:matrix_role", args=["sre"])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        _formset_data(
            role,
            [(slo, [4, 2, 4, 4, 5, 2, 3, 4], False), (obs, [3, 2, 3, 4, 5, 1, 2, 3], True)],
            extra=(new_skill, [2, 1, 2, 3, 4, 1, 1, 2]),
        ),
    )

    assert response.status_code == 302
    cells = sorted(
        RoleSkill.objects.values_list(
            "skill__slug", "criticality", "level_mid", "min_day30", "min_day60", "min_day90"
        )
    )
    assert cells == [("rollback", 2, 2, 1, 1, 2), ("slo", 4, 4, 2, 3, 4)]
    role.refresh_from_db()
    assert (role.exposure, role.influence) == (4, 2)


def test_matrix_edit_with_falling_minimums_changes_nothing(client, author, sre):
    role, skills, _ = sre
    slo = RoleSkill.objects.get(skill=skills["slo"])
    before = list(RoleSkill.objects.order_by("pk").values())
    client.force_login(author)
    response = client.post(
        reverse("pathways:matrix_role", args=["sre"]),
        _formset_data(role, [(slo, [5, 2, 3, 4, 5, 4, 2, 3], False)]),
    )
    assert response.status_code == 200
    assert "Minimums must not fall: day 30 ≤ day 60 ≤ day 90." in response.content.decode()
    assert list(RoleSkill.objects.order_by("pk").values()) == before


def test_matrix_overview_and_csv(client, author, sre):
    client.force_login(author)
    html = client.get(reverse("pathways:matrix")).content.decode()
    assert '<span class="crit crit-5">5</span>/3' in html
    rows = csv_rows(client.get(reverse("pathways:matrix_csv")))
    assert rows[0][:9] == [
        "role",
        "role_name",
        "exposure",
        "influence",
        "skill",
        "skill_name",
        "pillar",
        "kind",
        "criticality",
    ]
    assert rows[1:] == [
        [
            "sre",
            "SRE",
            "5",
            "4",
            "slo",
            "SLOs",
            "observability",
            "skill",
            "5",
            "2",
            "3",
            "4",
            "5",
            "2",
            "2",
            "3",
        ],
        [
            "sre",
            "SRE",
            "5",
            "4",
            "observability",
            "Observability",
            "observability",
            "skill",
            "3",
            "2",
            "3",
            "4",
            "5",
            "1",
            "2",
            "3",
        ],
    ]


# --- cohorts ------------------------------------------------------------------------


def test_manager_proposes_adjusts_and_confirms_a_cohort(client, manager, sre):
    _role, skills, pathway = sre
    team = TeamFactory(managers=[manager])
    weak = MembershipFactory(team=team, job_role="sre", user__full_name="Weak").user
    fine = MembershipFactory(team=team, job_role="sre", user__full_name="Fine").user
    extra = MembershipFactory(team=team, job_role="sre", user__full_name="Extra").user
    for person, level in [(fine, 3), (extra, 2)]:
        for skill in skills.values():
            SkillRatingFactory(person=person, skill=skill, level=level)
    client.force_login(manager)

    page = client.get(reverse("pathways:cohort_propose") + "?size=1")
    assert page.context["proposal"].proposed_ids == [weak.pk]
    assert [c.person for c in page.context["proposal"].candidates] == [weak, extra, fine]

    response = client.post(
        reverse("pathways:cohort_propose") + "?size=1",
        {
            "name": "First cohort",
            "start_date": "2026-09-07",
            "pathways": [pathway.pk],
            "sponsor": manager.pk,
            "members": [weak.pk, extra.pk],
            "champions": [extra.pk],
        },
    )

    cohort = Cohort.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:cohort_detail", args=[cohort.pk])
    assert (cohort.name, str(cohort.start_date), cohort.sponsor, cohort.created_by) == (
        "First cohort",
        "2026-09-07",
        manager,
        manager,
    )
    assert sorted(
        CohortMember.objects.values_list("user_id", "is_champion", "pathway_id")
    ) == sorted([(weak.pk, False, pathway.pk), (extra.pk, True, pathway.pk)])


def test_proposal_refuses_people_outside_the_pool(client, manager, sre):
    _, _, pathway = sre
    stranger = MembershipFactory(job_role="sre").user
    client.force_login(manager)
    response = client.post(
        reverse("pathways:cohort_propose"),
        {
            "name": "X",
            "start_date": "2026-09-07",
            "pathways": [pathway.pk],
            "members": [stranger.pk],
        },
    )
    assert response.status_code == 200
    assert not Cohort.objects.exists()


def test_sponsor_adds_a_team_enrols_and_sees_statuses_and_csv(client, manager, sre):
    _role, _skills, pathway = sre
    team = TeamFactory(slug="sre-team", managers=[manager])
    people = [
        MembershipFactory(
            team=team,
            job_role="sre",
            user__full_name=name,
            user__email=f"{name.lower()}@example.test",
        ).user
        for name in ("Ann", "Bob")
    ]
    cohort = CohortFactory(
        sponsor=manager, start_date=timezone.localdate() - timedelta(days=15), pathways=[pathway]
    )
    client.force_login(manager)
    members_url = reverse("pathways:cohort_members", args=[cohort.pk])

    client.post(members_url, {"action": "add_teams", "teams": [team.pk]})
    client.post(members_url, {"action": "champion", "user": people[0].pk})
    client.post(reverse("pathways:cohort_enrol", args=[cohort.pk]))
    ann = Enrollment.objects.get(user=people[0])
    module = pathway.modules.get(order=1)
    Progress.objects.create(enrollment=ann, module=module, status="done")
    Progress.objects.create(enrollment=ann, lab=module.labs.get(), status="done")

    page = client.get(reverse("pathways:cohort_detail", args=[cohort.pk]))
    html = page.content.decode()
    assert page.context["progress"].counts == {"on_track": 1, "behind": 0, "at_risk": 1}
    assert "Day 16 of 90 · week 3 · Baseline literacy and guardrails" in html
    assert "change champion" in html

    rows = csv_rows(client.get(reverse("pathways:cohort_csv", args=[cohort.pk])))
    assert rows == [
        [
            "person",
            "email",
            "role",
            "pathway",
            "champion",
            "enrolled",
            "done",
            "total",
            "completion_pct",
            "overdue",
            "status",
            "reasons",
        ],
        [
            "Bob",
            "bob@example.test",
            "sre",
            pathway.slug,
            "no",
            "yes",
            "0",
            "6",
            "0",
            "2",
            "at_risk",
            "nothing started after 14 days; 2 item(s) overdue",
        ],
        [
            "Ann",
            "ann@example.test",
            "sre",
            pathway.slug,
            "yes",
            "yes",
            "2",
            "6",
            "33",
            "0",
            "on_track",
            "",
        ],
    ]

    client.post(members_url, {"action": "remove", "user": people[1].pk})
    assert list(CohortMember.objects.values_list("user_id", flat=True)) == [people[0].pk]


def test_author_edits_cohort_details(client, author, sre):
    _, _, pathway = sre
    cohort = CohortFactory(name="Old")
    client.force_login(author)
    response = client.post(
        reverse("pathways:cohort_edit", args=[cohort.pk]),
        {"name": "New", "start_date": "2026-10-05", "pathways": [pathway.pk]},
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.name, str(cohort.start_date), list(cohort.pathways.all())) == (
        "New",
        "2026-10-05",
        [pathway],
    )


def test_cohort_list_and_dashboard_links(client, manager, sre):
    team = TeamFactory(slug="sre-team", managers=[manager])
    member = MembershipFactory(team=team).user
    cohort = CohortFactory(
        name="Visible cohort", start_date=timezone.localdate() - timedelta(days=44)
    )
    CohortMemberFactory(cohort=cohort, user=member)
    CohortFactory(name="Hidden cohort")
    client.force_login(manager)
    html = client.get(reverse("pathways:cohort_list")).content.decode()
    assert "Visible cohort" in html and "Hidden cohort" not in html
    assert "Day 45 · Hands-on role tracks" in html
    dashboards = client.get(reverse("metrics:home")).content.decode()
    assert reverse("pathways:team_heatmap", args=["sre-team"]) in dashboards
    assert reverse("pathways:cohort_list") in dashboards


def test_api_rating_create_and_my_skills(api_client, learner, sre):
    _, _skills, _ = sre
    MembershipFactory(user=learner, job_role="sre")
    api_client.force_authenticate(learner)
    created = api_client.post(
        "/api/v1/ratings/", {"skill": "slo", "level": 2, "source": "self"}, format="json"
    )
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("person", "skill", "level", "source")} == {
        "person": learner.pk,
        "skill": "slo",
        "level": 2,
        "source": "self",
    }
    me = api_client.get("/api/v1/me/skills/").json()
    assert [
        (s["skill"], s["required"], s["current"], s["source"], s["gap"]) for s in me["skills"]
    ] == [
        ("slo", 3, 2, "self", 1),
        ("observability", 3, 0, "", 3),
    ]
    assert json.dumps(me["rule"]).count("assessment > certification") == 1
