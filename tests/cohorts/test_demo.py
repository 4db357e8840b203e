"""The demo: ratings from several sources and a cohort mid-way through its 90 days."""

from datetime import date

from django.core.management import call_command

from org.demo import seed_org
from org.models import User
from pathways.models import (
    Certification,
    CertificationAward,
    Cohort,
    CohortMember,
    Enrollment,
    Progress,
    SkillRating,
)
from pathways.progress import selectors
from pathways.progress.demo import seed_progress
from tests.cohorts.factories import ensure_sre_catalogue

TODAY = date(2026, 11, 20)


def _snapshot():
    return (
        SkillRating.objects.count(),
        Cohort.objects.count(),
        CohortMember.objects.count(),
        Enrollment.objects.count(),
        list(
            Progress.objects.order_by("enrollment__user__email", "module_id", "lab_id").values_list(
                "enrollment__user__email", "module_id", "lab_id", "status"
            )
        ),
        CertificationAward.objects.count(),
    )


def test_demo_cohort_is_on_day_45_with_learners_on_track_behind_and_at_risk(db, capsys):
    seed_org()
    ensure_sre_catalogue()
    Certification.objects.create(
        slug="ai-reliability-foundations", name="AI reliability foundations"
    )

    seed_progress(today=TODAY)
    first = _snapshot()
    seed_progress(today=TODAY)

    assert _snapshot() == first
    cohort = Cohort.objects.get()
    manager = User.objects.get(email="manager@demo.example")
    progress = selectors.cohort_progress(cohort=cohort, viewer=manager, today=TODAY)
    assert (progress.day, progress.phase.name) == (45, "HANDS_ON")
    assert (cohort.sponsor, cohort.start_date) == (manager, date(2026, 10, 7))
    statuses = {r.person.email.split("@")[0]: r.progress.status.value for r in progress.rows}
    assert statuses == {
        "learner": "on_track",
        "amara.okafor": "on_track",
        "chen.wei": "on_track",
        "mateo.rossi": "on_track",
        "priya.raman": "on_track",
        "rosa.silva": "on_track",
        "dana.kowalski": "behind",
        "bjorn.lund": "behind",
        "nadia.ali": "behind",
        "fatima.zahra": "at_risk",
        "oskar.nowak": "at_risk",
        "quinn.oconnor": "at_risk",
        "eli.haddad": "at_risk",
    }
    # ML engineers on the SRE track are judged against the SRE matrix, with ratings in it
    roles = {
        m.user.email.split("@")[0]: (m.role.slug, m.pathway.role.slug)
        for m in cohort.members.select_related("user", "role", "pathway__role")
    }
    assert roles["mateo.rossi"] == ("sre", "sre")
    assert all(role == pathway_role for role, pathway_role in roles.values())
    assert sorted(p.email for p in progress.champions) == [
        "amara.okafor@demo.example",
        "mateo.rossi@demo.example",
    ]
    sources = set(SkillRating.objects.values_list("source", flat=True))
    assert sources == {"self", "assessment", "peer", "manager", "code_review", "incident_review"}

    learner = User.objects.get(email="learner@demo.example")
    home = selectors.learner_home(user=learner, today=TODAY)
    assert home.current.next_item.item.title == "Reliability for AI features module 4"
    assert home.current.next_item.state.value == "in_progress"
    # a certification exists, but nobody has the evidence for it: nobody holds it
    assert home.certifications == [] and CertificationAward.objects.count() == 0
    assert "cohort 'AI reliability cohort 1' on day 45: 6 on track, 3 behind, 4 at risk" in (
        capsys.readouterr().out
    )


def test_full_demo_on_the_shipped_catalogue_has_all_three_statuses(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    cohort = Cohort.objects.get()
    manager = User.objects.get(email="manager@demo.example")
    progress = selectors.cohort_progress(cohort=cohort, viewer=manager, today=date.today())
    statuses = {r.progress.status.value for r in progress.rows}
    assert statuses == {"on_track", "behind", "at_risk"}
    assert 31 <= progress.day <= 60
    assert f"cohort '{cohort.name}' on day {progress.day}" in out


def test_demo_on_a_later_day_moves_the_cohort_so_it_stays_mid_way(db):
    seed_org()
    ensure_sre_catalogue()
    seed_progress(today=TODAY)
    seed_progress(today=date(2027, 3, 1))
    cohort = Cohort.objects.get()
    assert cohort.start_date == date(2027, 1, 16)
    assert set(Enrollment.objects.values_list("started_on", flat=True)) == {date(2027, 1, 16)}


def test_demo_without_a_catalogue_skips_with_a_note(db, capsys):
    seed_org()
    seed_progress(today=TODAY)
    out = capsys.readouterr().out
    assert "no role × skill matrix yet (load the catalogue first)" in out
    assert not Cohort.objects.exists() and not SkillRating.objects.exists()
