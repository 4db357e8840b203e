"""Statements from outside become skill evidence through the authors' verb + activity mappings."""

import fnmatch
import uuid
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from lrs.models import Statement
from org.models import User

from . import page_cache
from .models import SkillRating, XAPISkillMapping


def xapi_mapping_create(
    *, verb_id: str, activity_pattern: str, skill, level: int, created_by=None
) -> XAPISkillMapping:
    mapping = XAPISkillMapping(
        verb_id=verb_id,
        activity_pattern=activity_pattern,
        skill=skill,
        level=level,
        created_by=created_by,
    )
    mapping.full_clean()
    mapping.save()
    return mapping


def person_for(actor: dict) -> User | None:
    """The Trellis user a statement's actor names: by account on this Trellis or by e-mail."""
    account = actor.get("account")
    base = settings.TRELLIS_BASE_URL.rstrip("/")
    if account and account.get("homePage", "").rstrip("/") == base and account["name"].isdigit():
        return User.objects.filter(pk=int(account["name"]), is_active=True).first()
    mbox = actor.get("mbox", "")
    if mbox.startswith("mailto:"):
        return User.objects.filter(email__iexact=mbox[7:], is_active=True).first()
    return None


def skill_evidence_from_statements(*, statement_ids: list[str]) -> int:
    """Turn matching statements into skill ratings (source xAPI). Safe to run twice: each
    (person, skill, statement) is rated once. Returns the number of ratings added."""
    rows = Statement.objects.filter(statement_id__in=[uuid.UUID(i) for i in statement_ids])
    verbs = set(rows.values_list("verb_id", flat=True))
    mappings = list(XAPISkillMapping.objects.filter(Q(verb_id__in=verbs)).select_related("skill"))
    if not mappings:
        return 0
    ratings = []
    for row in rows:
        data = row.data
        target = data["object"]
        if target.get("objectType", "Activity") != "Activity":
            continue
        matching = [
            m
            for m in mappings
            if m.verb_id == row.verb_id and fnmatch.fnmatchcase(target["id"], m.activity_pattern)
        ]
        if not matching:
            continue
        person = person_for(data["actor"])
        if person is None:
            continue
        rated_at = _moment(data.get("timestamp")) or row.stored
        for mapping in matching:
            ratings.append(
                SkillRating(
                    person=person,
                    skill=mapping.skill,
                    level=mapping.level,
                    source=SkillRating.Source.XAPI,
                    note=f"{data['verb']['id']} {target['id']}"[:2000],
                    evidence_url=target["id"] if target["id"].startswith("http") else "",
                    rated_at=rated_at,
                    source_ref=f"xapi:{row.statement_id}"[:80],
                )
            )
    created = SkillRating.objects.bulk_create(ratings, ignore_conflicts=True)
    page_cache.learners_changed(r.person_id for r in created)
    return len(created)


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None
