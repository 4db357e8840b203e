"""xAPI statements about attempts: started, each answer, scored (passed or failed with the
score), lab work submitted. One registration per attempt ties them together."""

import uuid
from typing import Any

from pathways.xapi import activity, base_url, record


def registration_of(attempt: Any) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url()}/attempts/{attempt.pk}"))


def assessment_activity(assessment: Any) -> dict:
    return activity("assessment", assessment.pk, assessment.title)


def attempt_started(*, attempt: Any) -> str:
    return record(
        user=attempt.user,
        verb_name="attempted",
        target=assessment_activity(attempt.assessment),
        context={"registration": registration_of(attempt)},
    )


def lab_submitted(*, attempt: Any) -> str:
    assessment = attempt.assessment
    target = (
        activity("lab", assessment.lab_id, str(assessment.lab))
        if assessment.lab_id
        else assessment_activity(assessment)
    )
    return record(
        user=attempt.user,
        verb_name="submitted",
        target=target,
        context={"registration": registration_of(attempt)},
    )


def attempt_scored(*, attempt: Any, score: Any) -> list[str]:
    """One `answered` per scored question, then `passed` or `failed` with the score."""
    registration = registration_of(attempt)
    parent = {"contextActivities": {"parent": [assessment_activity(attempt.assessment)]}}
    ids = []
    for response in attempt.responses.filter(question__isnull=False).select_related("question"):
        result: dict = {}
        if response.max_points:
            result["score"] = {
                "raw": float(response.points or 0),
                "min": 0,
                "max": float(response.max_points),
                "scaled": round(float((response.points or 0) / response.max_points), 4),
            }
            result["success"] = response.points == response.max_points
        ids.append(
            record(
                user=attempt.user,
                verb_name="answered",
                target=activity("question", response.question_id, response.question.text[:200]),
                result=result or None,
                context={"registration": registration, **parent},
            )
        )
    result = {
        "success": bool(score.passed),
        "completion": True,
        "score": {"scaled": round(float(score.percent) / 100, 4)},
    }
    if score.max_points:
        result["score"].update(
            {"raw": float(score.points), "min": 0, "max": float(score.max_points)}
        )
    ids.append(
        record(
            user=attempt.user,
            verb_name="passed" if score.passed else "failed",
            target=assessment_activity(attempt.assessment),
            result=result,
            context={"registration": registration},
        )
    )
    return ids
