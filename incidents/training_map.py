"""Writes for the training map: rules (failure mode or factor → skill or module),
suggested training per incident, and tabletop exercise drafts from incidents.
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from org.models import User
from pathways.models import Lab, Module, Pathway, Pillar, Skill

from .exceptions import IncidentsError
from .exercises import tabletop_from_incident
from .models import ContributingFactor, Incident, IncidentExercise, TrainingRule, TrainingSuggestion
from .schemas import slugify_tag
from .selectors import training_for_incident


def training_rule_create(
    *,
    created_by: User | None,
    failure_mode: str = "",
    factor_slug: str = "",
    skill: Skill | None = None,
    module: Module | None = None,
    note: str = "",
) -> TrainingRule:
    """Map a failure mode or a contributing-factor tag to a skill and/or a module."""
    if bool(failure_mode) == bool(factor_slug):
        raise IncidentsError("Choose either a failure mode or a contributing factor.")
    if skill is None and module is None:
        raise IncidentsError("Choose the skill or the module (or both) that addresses it.")
    factor = None
    if factor_slug:
        slug = slugify_tag(factor_slug)
        if not slug:
            raise IncidentsError("The contributing factor needs letters or digits.")
        factor, _ = ContributingFactor.objects.get_or_create(slug=slug, defaults={"name": slug})
    duplicate = TrainingRule.objects.filter(
        failure_mode=failure_mode, factor=factor, skill=skill, module=module
    )
    if duplicate.exists():
        raise IncidentsError("The training map already has this rule.")
    rule = TrainingRule(
        failure_mode=failure_mode,
        factor=factor,
        skill=skill,
        module=module,
        note=note,
        created_by=created_by,
    )
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise IncidentsError("; ".join(exc.messages)) from None
    rule.save()
    return rule


def training_rule_delete(*, rule: TrainingRule) -> None:
    rule.delete()


SUGGESTIONS_PER_KIND = 3
SUGGESTION_MIN_SCORE = 0.1


def _catalogue() -> tuple[list[tuple[str, int]], list[str]]:
    """(kind, id) and text of each skill and current module, for TF-IDF."""
    keys: list[tuple[str, int]] = []
    texts: list[str] = []
    for pk, name, description in Skill.objects.values_list("id", "name", "description"):
        keys.append(("skill", pk))
        texts.append(f"{name} {name} {description}")
    # One module per (pathway, module) slug: the newest version that is not archived.
    seen: set[tuple[str, str]] = set()
    modules = (
        Module.objects.exclude(pathway__status=Pathway.Status.ARCHIVED)
        .exclude(pathway__slug=EXERCISE_LIBRARY_SLUG)
        .order_by("pathway__slug", "slug", "-pathway__version")
        .values_list("id", "pathway__slug", "slug", "title", "objectives", "content")
    )
    for pk, pathway_slug, slug, title, objectives, content in modules:
        if (pathway_slug, slug) in seen:
            continue
        seen.add((pathway_slug, slug))
        lines = objectives if isinstance(objectives, list) else []
        keys.append(("module", pk))
        texts.append(f"{title} {title} {' '.join(map(str, lines))} {content}")
    return keys, texts


def _incident_text(incident: Incident, factors: list[str]) -> str:
    return " ".join(
        [
            incident.title,
            incident.summary,
            incident.get_failure_mode_display() if incident.failure_mode else "",
            incident.trigger,
            incident.root_causes,
            incident.customer_impact,
            incident.lessons_went_wrong,
            " ".join(f.replace("-", " ") for f in factors),
        ]
    )


def training_suggestions_refresh(*, incident_ids: Sequence[int] | None = None) -> int:
    """Suggest skills and modules by text similarity (TF-IDF, cosine) for incidents
    changed since their last suggestions (or the given ones). Author decisions
    (confirmed / rejected) are kept; open suggestions are replaced. Returns how many
    incidents were looked at."""
    if incident_ids is None:
        todo = Incident.objects.filter(
            Q(training_suggested_at__isnull=True) | Q(training_suggested_at__lt=F("updated_at"))
        )
    else:
        todo = Incident.objects.filter(pk__in=list(incident_ids))
    ids = list(todo.order_by("id").values_list("id", flat=True))
    keys, texts = _catalogue()
    if not ids or not texts:
        return 0
    # scikit-learn takes seconds to import: only when there is something to compare.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True)
    catalogue = vectorizer.fit_transform(texts)
    for start in range(0, len(ids), 500):
        chunk = list(
            Incident.objects.filter(pk__in=ids[start : start + 500]).prefetch_related(
                "contributing_factors"
            )
        )
        matrix = vectorizer.transform(
            [_incident_text(i, [f.slug for f in i.contributing_factors.all()]) for i in chunk]
        )
        scores = linear_kernel(matrix, catalogue)
        _store_suggestions(chunk, scores, keys)
    return len(ids)


def _store_suggestions(chunk: list[Incident], scores: Any, keys: list[tuple[str, int]]) -> None:
    decided = set(
        TrainingSuggestion.objects.filter(incident__in=chunk)
        .exclude(status=TrainingSuggestion.Status.SUGGESTED)
        .values_list("incident_id", "skill_id", "module_id")
    )
    fresh = []
    for row, incident in enumerate(chunk):
        for kind in ("skill", "module"):
            ranked = sorted(
                (
                    (float(scores[row, column]), key[1])
                    for column, key in enumerate(keys)
                    if key[0] == kind
                ),
                reverse=True,
            )[:SUGGESTIONS_PER_KIND]
            for score, target in ranked:
                if score < SUGGESTION_MIN_SCORE:
                    continue
                skill_id = target if kind == "skill" else None
                module_id = target if kind == "module" else None
                if (incident.pk, skill_id, module_id) in decided:
                    continue
                fresh.append(
                    TrainingSuggestion(
                        incident=incident,
                        skill_id=skill_id,
                        module_id=module_id,
                        score=round(score, 4),
                    )
                )
    with transaction.atomic():
        TrainingSuggestion.objects.filter(
            incident__in=chunk, status=TrainingSuggestion.Status.SUGGESTED
        ).delete()
        TrainingSuggestion.objects.bulk_create(fresh)
        Incident.objects.filter(pk__in=[i.pk for i in chunk]).update(
            training_suggested_at=timezone.now()
        )


def training_suggestion_decide(
    *, suggestion: TrainingSuggestion, confirm: bool, decided_by: User
) -> TrainingSuggestion:
    """An author confirms (the incident then shows this training) or rejects it."""
    status = TrainingSuggestion.Status.CONFIRMED if confirm else TrainingSuggestion.Status.REJECTED
    moved = TrainingSuggestion.objects.filter(
        pk=suggestion.pk, status=TrainingSuggestion.Status.SUGGESTED
    ).update(status=status, decided_by=decided_by, decided_at=timezone.now())
    if not moved:
        raise IncidentsError("This suggestion has already been decided.")
    suggestion.refresh_from_db()
    return suggestion


# --- exercise drafts --------------------------------------------------------------------

EXERCISE_LIBRARY_SLUG = "incident-exercises"
EXERCISE_MODULE_SLUG = "tabletop-exercises"


def _exercise_library(created_by: User | None) -> Module:
    """The module of the draft library pathway that holds incident exercises."""
    pathway = Pathway.objects.filter(
        slug=EXERCISE_LIBRARY_SLUG, status=Pathway.Status.DRAFT
    ).first()
    if pathway is None:
        latest = Pathway.objects.filter(slug=EXERCISE_LIBRARY_SLUG).order_by("-version").first()
        pathway = Pathway.objects.create(
            slug=EXERCISE_LIBRARY_SLUG,
            version=latest.version + 1 if latest else 1,
            kind=Pathway.Kind.LIBRARY,
            status=Pathway.Status.DRAFT,
            title="Incident exercises",
            summary="Tabletop exercises drafted from our own postmortems.",
            created_by=created_by,
        )
    module, _ = Module.objects.get_or_create(
        pathway=pathway,
        slug=EXERCISE_MODULE_SLUG,
        defaults={
            "order": (pathway.modules.count() + 1),
            "title": "Tabletop exercises from real incidents",
            "pillar": Pillar.INCIDENT_RESPONSE,
            "objectives": ["Practise the decisions a real incident asked of us."],
        },
    )
    return module


@transaction.atomic
def exercise_draft_create(*, incident: Incident, created_by: User | None) -> IncidentExercise:
    """Draft a tabletop exercise from the incident as a lab in the draft library
    pathway `incident-exercises`. Drafting the same incident again returns the
    existing exercise."""
    existing = (
        IncidentExercise.objects.filter(incident=incident, lab__module__pathway__status="draft")
        .select_related("lab")
        .first()
    )
    if existing is not None:
        return existing
    module = _exercise_library(created_by)
    draft = tabletop_from_incident(incident)
    slug = draft.slug
    if Lab.objects.filter(module=module, slug=slug).exists():
        slug = f"{slug}-{module.labs.count() + 1}"
    lab = Lab.objects.create(
        module=module,
        order=module.labs.count() + 1,
        slug=slug,
        title=draft.title,
        instructions=draft.instructions,
        deliverables=draft.deliverables,
        checklist=draft.checklist,
    )
    skills = [link.skill for link in training_for_incident(incident=incident) if link.skill]
    lab.skills.set(skills)
    return IncidentExercise.objects.create(incident=incident, lab=lab, created_by=created_by)


def exercise_update(*, exercise: IncidentExercise, title: str, instructions: str) -> Lab:
    """Edit the drafted lab (only while its pathway is a draft)."""
    lab = Lab.objects.select_related("module__pathway").get(pk=exercise.lab_id)
    if lab.module.pathway.status != Pathway.Status.DRAFT:
        raise IncidentsError("This exercise is published; edit a new draft of the library.")
    lab.title = title.strip()
    lab.instructions = instructions
    try:
        lab.full_clean()
    except ValidationError as exc:
        raise IncidentsError("; ".join(exc.messages)) from None
    lab.save(update_fields=["title", "instructions"])
    return lab
