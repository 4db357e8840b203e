"""A draft tabletop exercise written from a postmortem: scenario, injects taken from
the timeline, and discussion questions. Pure: takes an incident, returns text."""

import datetime as dt
from dataclasses import dataclass, field

from .models import FailureMode, Incident

QUESTIONS: dict[str, list[str]] = {
    FailureMode.HALLUCINATION: [
        "Which signal would have shown that answers were no longer grounded, before a "
        "customer noticed?",
        "What should the feature do when retrieval finds nothing relevant: answer, refuse "
        "or hand over to a person?",
    ],
    FailureMode.PROMPT_INJECTION: [
        "Where does untrusted text enter the prompt, and what could an instruction hidden "
        "in it make the model do?",
        "Which tools, data or actions can the model reach, and which of them need a human "
        "approval step?",
    ],
    FailureMode.DATA_LEAK: [
        "Which data crossed which boundary, and who must be told by when?",
        "At which step could the data have been redacted or kept out of the model's context?",
    ],
    FailureMode.DRIFT: [
        "What baseline do we compare against, and who owns the alert threshold?",
        "When do we roll back the model, and when do we retrain instead?",
    ],
    FailureMode.BAD_INPUT_DATA: [
        "Which data contract or check should have rejected the bad input?",
        "How long does it take us to trace a wrong output back to its source row?",
    ],
    FailureMode.UNSAFE_OUTPUT: [
        "Which output filter or review gate should have caught this, and why did it not?",
        "Who decides to switch the feature off, and how fast can they do it?",
    ],
    FailureMode.CAPACITY: [
        "Which limit did we hit first: tokens, requests, GPUs or a provider quota?",
        "What does the feature do under load: queue, degrade or fail?",
    ],
    FailureMode.COST_OVERRUN: [
        "Which cost signal would have caught this within the hour?",
        "Who may cap spend, and is the cap automatic?",
    ],
    FailureMode.BAD_DEPLOYMENT: [
        "How would a canary or a staged rollout have limited the blast radius?",
        "Was the rollback pre-authorised and rehearsed, and how long did it take?",
    ],
    FailureMode.DEPENDENCY_OUTAGE: [
        "What does the feature do when the provider is down: fail closed, fall back or queue?",
        "How do we learn about the provider's outage before our customers do?",
    ],
}
GENERAL_QUESTIONS = [
    "At each inject: what do you know, what do you do next, and who do you tell?",
    "Which decision took longest in the real incident, and what would have made it faster?",
    "What would have let us detect this sooner?",
]


@dataclass(slots=True)
class TabletopDraft:
    title: str
    slug: str
    instructions: str
    deliverables: list[str] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)


def _offset(at: dt.datetime, zero: dt.datetime) -> str:
    minutes = max(0, int((at - zero).total_seconds()) // 60)
    return f"T+{minutes // 60}:{minutes % 60:02d}"


def _injects(incident: Incident) -> list[str]:
    events = [e for e in incident.timeline.all() if e.description]
    stamps = [e.at for e in events if e.at] + [incident.started_at]
    zero = min((s for s in stamps if s), default=None)
    if events:
        return [
            f"{_offset(e.at, zero) if e.at and zero else 'Then'}: {e.description}" for e in events
        ]
    injects = []
    for name, text in (
        ("started_at", "Impact begins (nobody knows yet)."),
        ("detected_at", "The first signal arrives."),
        ("acknowledged_at", "A responder picks it up."),
        ("mitigated_at", "Impact stops."),
        ("resolved_at", "The incident is resolved."),
    ):
        at = getattr(incident, name)
        if at and zero:
            injects.append(f"{_offset(at, zero)}: {text}")
    return injects


def _paragraph(label: str, text: str) -> str:
    return f"**{label}:** {text.strip()}\n\n" if text.strip() else ""


def tabletop_from_incident(incident: Incident) -> TabletopDraft:
    """The exercise text. Facilitators read the scenario, play the injects one by one,
    and hold back the real outcome until the debrief."""
    parts = [
        "## Scenario\n\n",
        _paragraph("Service", incident.service.name if incident.service else ""),
        _paragraph(
            "Severity",
            incident.get_severity_display() if incident.severity else "",
        ),
        _paragraph(
            "Failure mode",
            incident.get_failure_mode_display() if incident.failure_mode else "",
        ),
        (incident.summary.strip() or incident.title) + "\n\n",
        _paragraph("Who is affected", incident.customer_impact),
        "## Roles\n\nIncident commander, responder on call, data or ML engineer, "
        "communications lead, observer who keeps the decision log.\n\n",
        "## Injects\n\nRead one at a time; give the team a few minutes for each.\n\n",
        "".join(f"{n}. {inject}\n" for n, inject in enumerate(_injects(incident), start=1))
        or "1. The first signal arrives.\n",
        "\n## Discussion questions\n\n",
    ]
    questions = list(QUESTIONS.get(incident.failure_mode, []))
    factors = [f.slug for f in incident.contributing_factors.all()]
    if factors:
        questions.append(
            "The postmortem names these contributing factors: "
            + ", ".join(factors)
            + ". Which of them would you have spotted, and how?"
        )
    if incident.rolled_back:
        questions.append("The real team rolled back. When would you have decided to?")
    questions.extend(GENERAL_QUESTIONS)
    parts.append("".join(f"- {q}\n" for q in questions))
    parts.append("\n## Debrief (facilitator only)\n\n")
    parts.append(_paragraph("Trigger", incident.trigger))
    parts.append(_paragraph("Root causes", incident.root_causes))
    parts.append(_paragraph("Resolution", incident.resolution))
    actions = [a.title for a in incident.action_items.all()]
    if actions:
        parts.append("**Action items the team took:**\n\n")
        parts.append("".join(f"- {a}\n" for a in actions))
    return TabletopDraft(
        title=f"Tabletop: {incident.title}"[:200],
        slug=f"incident-{incident.pk}",
        instructions="".join(parts).strip() + "\n",
        deliverables=[
            "Decision log with a timestamp per decision",
            "What the team would change in the runbook",
            "One action item per gap found",
        ],
        checklist=[
            "Every inject was played",
            "Each role spoke at least once",
            "The debrief compared the team's choices with what really happened",
        ],
    )
