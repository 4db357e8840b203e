"""Certification awards: whose criteria are met after an attempt is scored."""

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from config.tasks import enqueue_on_commit
from pathways.models import Certification, CertificationAward, Progress
from pathways.xapi import certification_earned

from ..models import Assessment, Attempt
from ._common import Kind, Status


def _mentions(criteria: Mapping[str, Any], attempt: Attempt) -> bool:
    a = attempt.assessment
    if a.slug in (criteria.get("assessments") or []):
        return True
    if a.lab_id and a.lab.slug in (criteria.get("labs") or []):
        return True
    return bool(a.capstone_id and criteria.get("capstone") == a.capstone.slug)


def certifications_update(*, user_id: int) -> list[CertificationAward]:
    """Award every certification whose criteria the user now meets (each once).

    Criteria: {"assessments": [slug…], "labs": [slug…], "capstone": slug,
    "capstone_min_score": percent}. An assessment counts when passed; a lab when
    its lab check is passed (or, for a lab without a published lab check, when its
    progress is done, which the learner reports themselves, unless the criteria say
    "requires_evidence": true); the capstone when a rubric review of it is scored at or
    above the minimum (default: passed). Scoring calls this for the certifications
    that mention what was just scored; call it after anything else that may
    complete a certification.
    """
    return _award_certifications(user_ids={user_id})


def _award_certifications(
    *, triggers: list[Attempt] | None = None, user_ids: set[int] | None = None
) -> list[CertificationAward]:
    certifications = [
        c
        for c in Certification.objects.all()
        if isinstance(c.criteria, dict)
        and any(c.criteria.get(k) for k in ("assessments", "labs", "capstone"))
    ]
    candidates: dict[int, set[int]] = {}
    for cert in certifications:
        if triggers is None:
            candidates[cert.pk] = set(user_ids or ())
        else:
            users = {t.user_id for t in triggers if _mentions(cert.criteria, t)}
            if users:
                candidates[cert.pk] = users
    everyone = set().union(*candidates.values()) if candidates else set()
    if not everyone:
        return []
    awarded = set(
        CertificationAward.objects.filter(
            certification_id__in=candidates, user_id__in=everyone
        ).values_list("certification_id", "user_id")
    )
    awards = []
    for cert in certifications:
        users = {u for u in candidates.get(cert.pk, ()) if (cert.pk, u) not in awarded}
        for user_id, evidence in _criteria_met(cert, users).items():
            award, created = CertificationAward.objects.get_or_create(
                certification=cert, user_id=user_id, defaults={"evidence": evidence}
            )
            if created:
                awards.append(award)
                certification_earned(award=award)
                # Its Open Badges 3.0 credential (credentials app), signed after commit.
                enqueue_on_commit("credentials.tasks.credential_issue", award.pk)
    return awards


def _criteria_met(cert: Certification, user_ids: set[int]) -> dict[int, dict]:
    """The users (of `user_ids`) who meet every criterion, with the evidence for each."""
    criteria = cert.criteria
    if not user_ids:
        return {}
    scored = Attempt.objects.filter(user_id__in=user_ids, status=Status.SCORED)
    evidence: dict[int, dict[str, Any]] = {u: {"assessments": {}, "labs": {}} for u in user_ids}
    slugs = list(criteria.get("assessments") or [])
    if slugs:
        passed: dict[int, dict[str, int]] = defaultdict(dict)
        for user_id, slug, pk in (
            scored.filter(assessment__slug__in=slugs, score__passed=True)
            .order_by("pk")
            .values_list("user_id", "assessment__slug", "pk")
        ):
            passed[user_id][slug] = pk
        for user_id in list(evidence):
            if any(slug not in passed[user_id] for slug in slugs):
                del evidence[user_id]
            else:
                evidence[user_id]["assessments"] = {slug: passed[user_id][slug] for slug in slugs}
    labs = list(criteria.get("labs") or [])
    if labs and evidence:
        checks = scored.filter(
            assessment__kind=Kind.LAB_CHECK, assessment__lab__slug__in=labs, score__passed=True
        )
        done = Progress.objects.filter(
            enrollment__user_id__in=evidence, lab__slug__in=labs, status=Progress.Status.DONE
        )
        if cert.pathway_slug:
            checks = checks.filter(assessment__lab__module__pathway__slug=cert.pathway_slug)
            done = done.filter(lab__module__pathway__slug=cert.pathway_slug)
        passed_labs = {
            (u, slug): pk
            for u, slug, pk in checks.order_by("pk").values_list(
                "user_id", "assessment__lab__slug", "pk"
            )
        }
        done_labs = set(done.values_list("enrollment__user_id", "lab__slug"))
        checked = set(
            Assessment.objects.filter(
                kind=Kind.LAB_CHECK, lab__slug__in=labs, is_published=True
            ).values_list("lab__slug", flat=True)
        )
        for user_id in list(evidence):
            for slug in labs:
                if (user_id, slug) in passed_labs:
                    evidence[user_id]["labs"][slug] = (
                        f"lab check attempt {passed_labs[user_id, slug]}"
                    )
                elif (
                    slug not in checked
                    and (user_id, slug) in done_labs
                    and not criteria.get("requires_evidence")
                ):
                    evidence[user_id]["labs"][slug] = "progress done"
                else:
                    del evidence[user_id]
                    break
    capstone = criteria.get("capstone")
    if capstone and evidence:
        minimum = criteria.get("capstone_min_score")
        reviews = scored.filter(user_id__in=evidence, assessment__capstone__slug=capstone)
        if cert.pathway_slug:
            reviews = reviews.filter(assessment__capstone__pathway__slug=cert.pathway_slug)
        if minimum is not None:
            reviews = reviews.filter(score__percent__gte=Decimal(str(minimum)))
        else:
            reviews = reviews.filter(score__passed=True)
        best: dict[int, tuple[int, Decimal]] = {}
        for user_id, pk, percent in reviews.order_by("-score__percent", "pk").values_list(
            "user_id", "pk", "score__percent"
        ):
            best.setdefault(user_id, (pk, percent))
        for user_id in list(evidence):
            if user_id not in best:
                del evidence[user_id]
            else:
                pk, percent = best[user_id]
                evidence[user_id]["capstone"] = {
                    "slug": capstone,
                    "attempt": pk,
                    "percent": str(percent),
                }
    return evidence
