"""Reads for incidents, import batches and the training link.

Who sees which incident (asked of `org.access`, decided here for incidents):
- platform admins and authors see every incident (authors map them to training);
- managers see the incidents of the teams they manage;
- everyone signed in sees the incidents of the teams they belong to (read only).
Import batches: admins see all; everyone else the batches they started.
Incident sources (their sync status): admins see all; managers those of the teams
they manage.
"""

from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from org import access
from org.models import Membership, User
from pathways.models import Module, ModuleSkill, Skill

from .models import (
    ContributingFactor,
    ImportBatch,
    Incident,
    IncidentRevision,
    IncidentSource,
    RejectedRecord,
    TrainingRule,
    TrainingSuggestion,
    WebhookDelivery,
)


def can_import(user: User) -> bool:
    """Importing is for authors, managers and admins (scripts use such a user's token)."""
    return access.is_author(user) or access.is_manager(user)


def import_scope(user_id: int | None) -> frozenset[int] | None:
    """The teams whose incidents an import by this user may write; None: any team.

    Command-line imports (no user), authors and admins import for the whole
    organisation; a manager only for the teams they manage, so an import can neither
    create incidents for another team nor move or overwrite one of theirs.
    """
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return frozenset()
    if access.is_author(user):
        return None
    return frozenset(access.teams_managed_by(user).values_list("id", flat=True))


def incidents_visible_to(*, user: User) -> QuerySet[Incident]:
    if not user.is_authenticated:
        return Incident.objects.none()
    if access.is_admin(user) or access.is_author(user):
        return Incident.objects.all()
    own_teams = Membership.objects.filter(user=user).values("team_id")
    managed = access.teams_managed_by(user).values("id")
    return Incident.objects.filter(Q(team__in=own_teams) | Q(team__in=managed))


def incident_list(*, user: User) -> QuerySet[Incident]:
    """Visible incidents with what a list row shows, in a constant number of queries."""
    return (
        incidents_visible_to(user=user)
        .select_related("team", "service")
        .order_by("-started_at", "-id")
    )


def incident_detail(*, user: User, incident_id: int) -> Incident:
    """One visible incident with its timeline, action items, tags and history."""
    return (
        incidents_visible_to(user=user)
        .select_related("team", "service", "created_batch", "last_batch")
        .prefetch_related(
            "timeline",
            "action_items",
            "contributing_factors",
            Prefetch(
                "revisions",
                queryset=IncidentRevision.objects.select_related("batch", "changed_by"),
            ),
        )
        .get(pk=incident_id)
    )


def batches_visible_to(*, user: User) -> QuerySet[ImportBatch]:
    if access.is_admin(user):
        return ImportBatch.objects.all()
    if not user.is_authenticated:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(created_by=user)


def batch_list(*, user: User) -> QuerySet[ImportBatch]:
    return batches_visible_to(user=user).select_related("created_by")


def sources_visible_to(*, user: User) -> QuerySet[IncidentSource]:
    if access.is_admin(user):
        return IncidentSource.objects.all()
    return IncidentSource.objects.filter(team__in=access.teams_managed_by(user))


def source_list(*, user: User) -> QuerySet[IncidentSource]:
    """Each visible source with its last sync (pull) and its last webhook delivery and
    what became of that delivery's import, in one query."""
    last = WebhookDelivery.objects.filter(source=OuterRef("pk")).order_by("-received_at", "-pk")
    return (
        sources_visible_to(user=user)
        .select_related("team", "last_batch")
        .annotate(
            last_delivery_at=Subquery(last.values("received_at")[:1]),
            last_delivery_status=Subquery(last.values("batch__status")[:1]),
            last_delivery_records=Subquery(last.values("batch__processed_count")[:1]),
            last_delivery_rejected=Subquery(last.values("batch__rejected_count")[:1]),
            last_delivery_error=Subquery(last.values("batch__error")[:1]),
        )
        .order_by("name")
    )


def batch_rejected(*, batch: ImportBatch) -> QuerySet[RejectedRecord]:
    return RejectedRecord.objects.filter(batch=batch).order_by("position")


# --- training ---------------------------------------------------------------------------


@dataclass(slots=True)
class TrainingLink:
    """A skill or module that addresses an incident, and why."""

    skill: Skill | None
    module: Module | None
    reasons: list[str] = field(default_factory=list)


def training_for_incident(*, incident: Incident) -> list[TrainingLink]:
    """Training that addresses the incident: the map's rules for its failure mode and
    contributing factors, then confirmed text-similarity suggestions."""
    factor_ids = [f.pk for f in incident.contributing_factors.all()]
    condition = Q(factor_id__in=factor_ids)
    if incident.failure_mode:
        condition |= Q(failure_mode=incident.failure_mode)
    links: dict[tuple[str, int], TrainingLink] = {}

    def add(skill: Skill | None, module: Module | None, reason: str) -> None:
        for key, target in (("skill", skill), ("module", module)):
            if target is None:
                continue
            link = links.setdefault(
                (key, target.pk),
                TrainingLink(
                    skill=target if key == "skill" else None,
                    module=target if key == "module" else None,
                ),
            )
            if reason not in link.reasons:
                link.reasons.append(reason)

    rules = TrainingRule.objects.filter(condition).select_related(
        "skill", "module", "module__pathway", "factor"
    )
    for rule in rules:
        reason = (
            f"failure mode: {rule.get_failure_mode_display()}"
            if rule.failure_mode
            else f"contributing factor: {rule.factor.slug}"
        )
        add(rule.skill, rule.module, reason)
    confirmed = TrainingSuggestion.objects.filter(
        incident=incident, status=TrainingSuggestion.Status.CONFIRMED
    ).select_related("skill", "module", "module__pathway")
    for suggestion in confirmed:
        add(suggestion.skill, suggestion.module, "confirmed by an author")
    return sorted(
        links.values(),
        key=lambda link: (link.skill is None, str(link.skill or link.module)),
    )


def suggestions_pending(*, incident: Incident) -> QuerySet[TrainingSuggestion]:
    return TrainingSuggestion.objects.filter(
        incident=incident, status=TrainingSuggestion.Status.SUGGESTED
    ).select_related("skill", "module", "module__pathway")


def incidents_arguing_for_skill(*, skill: Skill, user: User) -> QuerySet[Incident]:
    """Visible incidents that argue for `skill`: their failure mode or a contributing
    factor is mapped to the skill (or to a module teaching it), or an author confirmed
    a suggestion linking them."""
    teaching = ModuleSkill.objects.filter(skill=skill).values("module_id")
    rules = TrainingRule.objects.filter(Q(skill=skill) | Q(module__in=teaching))
    modes = rules.exclude(failure_mode="").values("failure_mode")
    factors = rules.filter(factor__isnull=False).values("factor_id")
    confirmed = TrainingSuggestion.objects.filter(
        Q(skill=skill) | Q(module__in=teaching), status=TrainingSuggestion.Status.CONFIRMED
    ).values("incident_id")
    tagged = Incident.contributing_factors.through.objects.filter(factor_id__in=factors).values(
        "incident_id"
    )
    return incidents_visible_to(user=user).filter(
        Q(failure_mode__in=modes) | Q(pk__in=tagged) | Q(pk__in=confirmed)
    )


def training_rules() -> QuerySet[TrainingRule]:
    return TrainingRule.objects.select_related(
        "factor", "skill", "module", "module__pathway", "created_by"
    ).order_by("failure_mode", "factor__slug", "id")


def factors_in_use() -> QuerySet[ContributingFactor]:
    return ContributingFactor.objects.order_by("slug")
