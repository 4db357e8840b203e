from org import access
from org.models import Persona
from tests.factories import MembershipFactory, TeamFactory, UserFactory


def test_manager_sees_people_of_managed_teams_only(manager):
    mine = TeamFactory(managers=[manager])
    other = TeamFactory()
    colleague = MembershipFactory(team=mine).user
    stranger = MembershipFactory(team=other).user

    assert access.can_view_person(manager, colleague)
    assert not access.can_view_person(manager, stranger)
    assert set(access.people_visible_to(manager)) == {manager, colleague}
    assert access.can_view_team(manager, mine)
    assert not access.can_view_team(manager, other)


def test_managing_a_team_without_the_manager_persona_grants_nothing(learner):
    team = TeamFactory(managers=[learner])
    member = MembershipFactory(team=team).user
    assert not access.can_view_person(learner, member)
    assert list(access.teams_managed_by(learner)) == []


def test_learner_sees_only_themselves(learner):
    other = UserFactory()
    assert access.can_view_person(learner, learner)
    assert not access.can_view_person(learner, other)
    assert list(access.people_visible_to(learner)) == [learner]


def test_admin_sees_everyone(platform_admin):
    person = MembershipFactory().user
    assert access.can_view_person(platform_admin, person)
    assert access.home_persona(platform_admin) == Persona.ADMIN


def test_superuser_is_an_admin(db):
    root = UserFactory(is_superuser=True, personas=[])
    assert access.is_admin(root) and access.is_author(root) and access.is_manager(root)


def test_author_is_not_a_manager(author):
    assert access.is_author(author)
    assert not access.is_manager(author)
    assert access.home_persona(author) == Persona.AUTHOR
