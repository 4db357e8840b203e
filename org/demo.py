"""The demo organisation: four teams, about thirty people, fixed logins.

Idempotent: running it again updates the same rows and creates nothing new.
"""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from .models import CareerLevel, Membership, Persona, Team, User

TEAMS = [
    ("sre", "Site Reliability Engineering", "Keeps production up; owns on-call and postmortems."),
    ("data-eng", "Data Engineering", "Pipelines, warehouses and data quality."),
    ("ml-platform", "ML Platform", "Training, serving and monitoring of models."),
    ("ai-product", "AI Product", "Builds the LLM-powered features customers use."),
]

J, M, S, P = CareerLevel.JUNIOR, CareerLevel.MID, CareerLevel.SENIOR, CareerLevel.PRINCIPAL

# (email local part, full name, team, job role slug, level)
PEOPLE = [
    ("learner", "Lee Learner", "sre", "sre", M),
    ("amara.okafor", "Amara Okafor", "sre", "sre", S),
    ("bjorn.lund", "Björn Lund", "sre", "sre", J),
    ("chen.wei", "Chen Wei", "sre", "sre", P),
    ("dana.kowalski", "Dana Kowalski", "sre", "sre", M),
    ("eli.haddad", "Eli Haddad", "sre", "support-admin", J),
    ("fatima.zahra", "Fatima Zahra", "sre", "sre", J),
    ("gus.moreno", "Gus Moreno", "data-eng", "data-engineer", S),
    ("hana.sato", "Hana Sato", "data-eng", "data-engineer", M),
    ("ivan.petrov", "Ivan Petrov", "data-eng", "data-engineer", J),
    ("jade.nguyen", "Jade Nguyen", "data-eng", "data-engineer", M),
    ("kofi.mensah", "Kofi Mensah", "data-eng", "data-engineer", P),
    ("lina.berg", "Lina Berg", "data-eng", "ai-risk-assessor", M),
    ("mateo.rossi", "Mateo Rossi", "ml-platform", "ml-engineer", S),
    ("nadia.ali", "Nadia Ali", "ml-platform", "ml-engineer", M),
    ("oskar.nowak", "Oskar Nowak", "ml-platform", "ml-engineer", J),
    ("priya.raman", "Priya Raman", "ml-platform", "model-operator", M),
    ("quinn.oconnor", "Quinn O'Connor", "ml-platform", "model-operator", J),
    ("rosa.silva", "Rosa Silva", "ml-platform", "ml-engineer", P),
    ("sam.taylor", "Sam Taylor", "ai-product", "ai-engineer", M),
    ("tara.singh", "Tara Singh", "ai-product", "ai-engineer", S),
    ("uma.patel", "Uma Patel", "ai-product", "prompt-engineer", J),
    ("victor.dubois", "Victor Dubois", "ai-product", "prompt-engineer", M),
    ("wren.adams", "Wren Adams", "ai-product", "ai-engineer", J),
    ("xia.lin", "Xia Lin", "ai-product", "ai-risk-assessor", S),
    ("yusuf.demir", "Yusuf Demir", "ai-product", "ai-engineer", P),
    ("zoe.martin", "Zoe Martin", "ai-product", "support-admin", M),
]

# (email local part, full name, personas, managed team slugs, own membership)
STAFF = [
    ("manager", "Morgan Manager", [Persona.MANAGER], ["sre", "ml-platform"], ("sre", "manager", S)),
    (
        "manager2",
        "Maya Castillo",
        [Persona.MANAGER],
        ["data-eng", "ai-product"],
        ("ai-product", "manager", P),
    ),
    ("author", "Ari Author", [Persona.AUTHOR], [], None),
    ("admin", "Ada Admin", [Persona.ADMIN], [], None),
]

DEMO_DOMAIN = "demo.example"
DEMO_LOGINS = [f"{p}@{DEMO_DOMAIN}" for p in ("learner", "author", "manager", "admin")]


def _user(local: str, full_name: str, password_hash: str) -> User:
    user, _ = User.objects.update_or_create(
        email=f"{local}@{DEMO_DOMAIN}",
        defaults={"full_name": full_name, "password": password_hash, "is_active": True},
    )
    return user


@transaction.atomic
def seed_org() -> None:
    # One hash for every demo login: hashing is deliberately slow.
    password_hash = make_password(settings.DEMO_PASSWORD)
    teams = {}
    for slug, name, description in TEAMS:
        team, _ = Team.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        teams[slug] = team
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Persona.values}
    for local, full_name, team_slug, role, level in PEOPLE:
        user = _user(local, full_name, password_hash)
        user.groups.add(groups[Persona.LEARNER])
        Membership.objects.update_or_create(
            user=user, team=teams[team_slug], defaults={"job_role": role, "career_level": level}
        )
    for local, full_name, personas, managed, membership in STAFF:
        user = _user(local, full_name, password_hash)
        user.groups.add(groups[Persona.LEARNER], *(groups[p] for p in personas))
        if Persona.ADMIN in personas:
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        for slug in managed:
            teams[slug].managers.add(user)
        if membership:
            team_slug, role, level = membership
            Membership.objects.update_or_create(
                user=user, team=teams[team_slug], defaults={"job_role": role, "career_level": level}
            )
