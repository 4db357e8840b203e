"""When a pathway's post skill check opens for a learner (set by the author on the
assessment: any time, when every module of the pathway is done, or a number of days
after the learner's pre check). `attempt_start` refuses a post attempt while it is
closed, so the HTML pages and the API enforce the same rule."""

from datetime import datetime, timedelta

from django.utils import timezone

from org.models import User
from pathways.models import Enrollment, Module, Progress

from .models import Assessment, Attempt

PostOpens = Assessment.PostOpens


def next_phase(*, user: User, assessment: Assessment) -> str:
    """The phase the learner's next attempt at a skill check takes ("" otherwise)."""
    if assessment.kind != Assessment.Kind.SKILL_CHECK:
        return ""
    if assessment.check_phase == Assessment.Phase.BOTH:
        has_pre = Attempt.objects.filter(assessment=assessment, user=user, phase="pre").exists()
        return "post" if has_pre else "pre"
    return assessment.check_phase


def _pre_checks(assessment: Assessment):  # type: ignore[no-untyped-def]
    if assessment.pathway_id is None:
        return Assessment.objects.filter(pk=assessment.pk)
    return Assessment.objects.filter(
        kind=Assessment.Kind.SKILL_CHECK, pathway__slug=assessment.pathway.slug
    )


def pre_check_taken_at(*, user: User, assessment: Assessment) -> datetime | None:
    """When the learner submitted their first pre check for this assessment's pathway."""
    first = (
        Attempt.objects.filter(user=user, phase="pre", assessment__in=_pre_checks(assessment))
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .exclude(submitted_at__isnull=True)
        .order_by("submitted_at", "pk")
        .values_list("submitted_at", flat=True)
        .first()
    )
    return first


def post_check_closed(
    *, user: User, assessment: Assessment, now: datetime | None = None
) -> str | None:
    """Why the learner may not start the post check yet, or None when it is open (or
    the next attempt is not a post check)."""
    if next_phase(user=user, assessment=assessment) != "post":
        return None
    rule = assessment.post_opens
    if rule == PostOpens.DAYS_AFTER_PRE:
        days = assessment.post_min_days
        taken = pre_check_taken_at(user=user, assessment=assessment)
        if taken is None:
            return f"Take the pre check first: the post check opens {days} day(s) after it."
        opens = taken + timedelta(days=days)
        if (now or timezone.now()) < opens:
            when = timezone.localtime(opens).strftime("%-d %b %Y at %H:%M")
            return (
                f"The post check opens {days} day(s) after your pre check: on {when}. "
                "Work through the pathway first; the gain shows what you learnt."
            )
        return None
    if rule == PostOpens.MODULES_DONE and assessment.pathway_id is not None:
        pathway = assessment.pathway
        enrollment = (
            Enrollment.objects.filter(
                user=user, pathway_slug=pathway.slug, status=Enrollment.Status.ACTIVE
            )
            .select_related("pathway")
            .first()
        )
        if enrollment is None:
            return (
                f"The post check opens when every module of {pathway.title} is done, "
                "and you are not enrolled on it."
            )
        modules = Module.objects.filter(pathway_id=enrollment.pathway_id)
        total = modules.count()
        done = Progress.objects.filter(
            enrollment=enrollment, module__in=modules, status=Progress.Status.DONE
        ).count()
        if done < total:
            return (
                f"The post check opens when every module of {enrollment.pathway.title} is "
                f"done: {done} of {total} done so far."
            )
    return None
