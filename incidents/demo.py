"""Demo incidents: a year of them for the four demo teams, plus a handful of full
postmortems in Markdown, imported through the product's own import path.

The year ends on the day the demo is seeded, so the dashboards always have recent
incidents. Deterministic for a given day (fixed seed; the same offsets from that day)
and idempotent: a run whose records would change nothing writes nothing (not even an
import batch); a run on a later day moves the same incidents along.

Durations are log-normal (most incidents are short, a few are very long). From the day
the demo cohort started (it is on day 45 of 90 whenever the demo is seeded), SRE and ML
Platform incidents are detected and mitigated faster, so the cohort dashboard's
before/after comparison has an effect to show.
"""

import datetime as dt
import json
import math
import random

from django.db import transaction
from django.utils import timezone

from org.models import Team
from pathways.models import Skill

from . import services
from .importers import Document
from .models import FailureMode, ImportBatch, Incident, Service, TrainingRule

SEED = 6
DAYS = 365
TRAINED_DAYS_AGO = 44  # the demo cohort started 44 days ago: it is on day 45
SOURCE = "demo-pagerduty"
POSTMORTEM_SOURCE = "demo-postmortems"

# team slug → [(service name, tier, AI-powered)], incidents per week, share AI-related
TEAMS = {
    # The SRE team also runs the gateway in front of the model endpoints, so some of its
    # incidents are AI-related and the SRE track's outcomes have something to measure.
    "sre": (
        [("Checkout API", 1, False), ("Edge Gateway", 1, False), ("Inference Gateway", 1, True)],
        2.2,
        0.6,
    ),
    "data-eng": ([("Feature Store", 2, True), ("Events Pipeline", 2, False)], 1.6, 0.45),
    "ml-platform": ([("Model Serving", 1, True), ("Ranking API", 2, True)], 1.8, 0.7),
    "ai-product": ([("Support Assistant", 1, True), ("Search Answers", 2, True)], 2.0, 0.85),
}
AI_MODES = [
    (FailureMode.HALLUCINATION, 5),
    (FailureMode.PROMPT_INJECTION, 2),
    (FailureMode.DATA_LEAK, 1),
    (FailureMode.DRIFT, 4),
    (FailureMode.BAD_INPUT_DATA, 4),
    (FailureMode.UNSAFE_OUTPUT, 2),
    (FailureMode.CAPACITY, 3),
    (FailureMode.COST_OVERRUN, 2),
]
OTHER_MODES = [
    (FailureMode.CAPACITY, 4),
    (FailureMode.BAD_DEPLOYMENT, 5),
    (FailureMode.DEPENDENCY_OUTAGE, 3),
    (FailureMode.BAD_INPUT_DATA, 2),
    (FailureMode.OTHER, 1),
]
FACTORS = {
    FailureMode.HALLUCINATION: ["missing-eval", "no-grounding-check", "no-canary"],
    FailureMode.PROMPT_INJECTION: ["untrusted-input-in-prompt", "tool-permissions-too-wide"],
    FailureMode.DATA_LEAK: ["no-redaction", "shared-context"],
    FailureMode.DRIFT: ["drift-alert-missing", "stale-baseline"],
    FailureMode.BAD_INPUT_DATA: ["no-data-contract", "schema-change-unannounced"],
    FailureMode.UNSAFE_OUTPUT: ["no-output-filter", "missing-eval"],
    FailureMode.CAPACITY: ["autoscaling-lag", "rate-limit-unknown"],
    FailureMode.COST_OVERRUN: ["no-cost-alert", "retry-storm"],
    FailureMode.BAD_DEPLOYMENT: ["no-canary", "config-not-reviewed"],
    FailureMode.DEPENDENCY_OUTAGE: ["no-fallback", "provider-status-unwatched"],
    FailureMode.OTHER: ["runbook-missing"],
}
TITLES = {
    FailureMode.HALLUCINATION: "{service} gave confident answers with made-up facts",
    FailureMode.PROMPT_INJECTION: "Instructions hidden in user content steered {service}",
    FailureMode.DATA_LEAK: "{service} exposed personal data in responses",
    FailureMode.DRIFT: "{service} quality dropped as input data drifted",
    FailureMode.BAD_INPUT_DATA: "Bad upstream data reached {service}",
    FailureMode.UNSAFE_OUTPUT: "{service} produced output that broke content policy",
    FailureMode.CAPACITY: "{service} latency above SLO under load",
    FailureMode.COST_OVERRUN: "{service} token spend far above budget",
    FailureMode.BAD_DEPLOYMENT: "{service} release shipped a broken configuration",
    FailureMode.DEPENDENCY_OUTAGE: "{service} failed while a provider was down",
    FailureMode.OTHER: "{service} degraded for an unclear reason",
}
# Median seconds and spread (sigma of the log) of each stage.
STAGES = {
    "detect": (15 * 60, 1.1),
    "acknowledge": (4 * 60, 0.8),
    "mitigate": (50 * 60, 0.9),
    "resolve": (5 * 3600, 1.0),
}


def _lognormal(rng: random.Random, median: float, sigma: float) -> int:
    return max(1, int(rng.lognormvariate(math.log(median), sigma)))


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def incident_records(today: dt.date | None = None) -> list[dict]:
    """The demo year up to `today` (default: today, UTC) as native records; the same
    output for the same day."""
    today = today or timezone.now().date()
    reference = dt.datetime.combine(today, dt.time(0), dt.UTC)
    trained_from = reference - dt.timedelta(days=TRAINED_DAYS_AGO)
    rng = random.Random(SEED)
    start = reference - dt.timedelta(days=DAYS)
    records = []
    for slug, (services_, per_week, ai_share) in TEAMS.items():
        day = start
        number = 0
        while True:
            day += dt.timedelta(days=rng.expovariate(per_week / 7))
            if day >= reference:
                break
            number += 1
            service, _tier, ai_powered = rng.choice(services_)
            ai = ai_powered and rng.random() < ai_share / 0.9
            mode = _pick(rng, AI_MODES if ai else OTHER_MODES)
            trained = slug in ("sre", "ml-platform") and day >= trained_from
            speed = 0.5 if trained else 1.0
            detect = _lognormal(rng, STAGES["detect"][0] * speed, STAGES["detect"][1])
            ack = _lognormal(rng, *STAGES["acknowledge"])
            mitigate = detect + _lognormal(
                rng, STAGES["mitigate"][0] * speed, STAGES["mitigate"][1]
            )
            resolve = mitigate + _lognormal(rng, *STAGES["resolve"])
            severity = _pick(rng, [("SEV1", 1), ("SEV2", 3), ("SEV3", 8), ("SEV4", 6)])
            rolled_back = mode == FailureMode.BAD_DEPLOYMENT or (ai and rng.random() < 0.3)
            began = day.replace(microsecond=0)

            def at(seconds: int, b: dt.datetime = began) -> str | None:
                # A stage not reached by the end of the demo year is still open.
                moment = b + dt.timedelta(seconds=seconds)
                return moment.isoformat() if moment <= reference else None

            factors = rng.sample(FACTORS[mode], k=min(len(FACTORS[mode]), rng.randint(1, 2)))
            records.append(
                {
                    "external_id": f"{slug.upper()}-{number:04d}",
                    "title": TITLES[mode].format(service=service),
                    "severity": severity,
                    "team": slug,
                    "service": service,
                    "started_at": began.isoformat(),
                    "detected_at": at(detect),
                    "acknowledged_at": at(detect + ack),
                    "mitigated_at": at(mitigate),
                    "resolved_at": at(resolve),
                    "detection_method": _pick(
                        rng, [("monitoring", 6), ("customer", 2), ("internal", 2)]
                    ),
                    "ai_related": ai,
                    "failure_mode": mode,
                    "rolled_back": rolled_back,
                    "cleanup_hours": (
                        f"{min(200, _lognormal(rng, 4 * 3600, 1.0) / 3600):.2f}" if ai else "0"
                    ),
                    "contributing_factors": factors,
                }
            )
    return records


POSTMORTEMS = {
    "2025-11-support-assistant-refunds.md": """---
id: PM-2025-031
title: Support Assistant promised a refund policy we do not have
severity: SEV2
team: ai-product
service: Support Assistant
started_at: 2025-11-04T09:12:00Z
detected_at: 2025-11-04T10:05:00Z
acknowledged_at: 2025-11-04T10:09:00Z
mitigated_at: 2025-11-04T11:30:00Z
resolved_at: 2025-11-05T16:00:00Z
detection_method: customer
ai_related: true
failure_mode: hallucination
rolled_back: true
deployment_ref: support-assistant@2.8.1
cleanup_hours: 14.5
contributing_factors: [missing-eval, no-grounding-check, no-canary]
---

# Support Assistant promised a refund policy we do not have

## Summary

Release 2.8.1 rebuilt the retrieval index without the refund policy document. With
nothing to ground on, the assistant answered refund questions from general knowledge
and described a 90-day no-questions refund.

## Impact

312 conversations quoted the invented policy; 41 customers asked for a refund.

## Timeline

- 09:12 — Release 2.8.1 reaches all traffic
- 10:05 — Support lead escalates three tickets quoting the invented policy
- 10:09 — On-call acknowledges and pages the AI Product team
- 10:40 — Retrieval logs show no policy document for refund questions
- 11:30 — Rolled back to 2.8.0; answers cite the real policy again
- 2025-11-05 16:00 UTC — Affected customers contacted; incident resolved

## Trigger

The index rebuild job skipped documents tagged `legal` after a config change.

## Root cause

No grounding check: when retrieval returned nothing relevant the assistant still
answered. No golden-answer test covered policy questions.

## Resolution

Rolled back, rebuilt the index with policy documents pinned, and added a refusal
path when no source is retrieved.

## Lessons learned

### What went well

Support escalated within the hour and the rollback took six minutes.

### What went wrong

The release went to all traffic at once; evals did not cover policy questions.

### Where we got lucky

It happened on a quiet Tuesday morning.

## Action items

| Type | Action | Owner | Due | Status |
|------|--------|-------|-----|--------|
| prevent | Golden-answer evals for policy questions in CI | tara.singh | 2025-11-20 | done |
| mitigate | Refuse policy answers without a retrieved source | yusuf.demir | 2025-12-01 | done |
| process | Canary assistant releases at 5 % for an hour | amara.okafor | 2025-12-15 | in progress |
""",
    "2025-08-feature-store-stale-embeddings.md": """---
id: PM-2025-022
title: Feature Store served week-old embeddings to ranking
severity: SEV2
team: data-eng
service: Feature Store
started_at: 2025-08-18T02:00:00Z
detected_at: 2025-08-18T13:40:00Z
acknowledged_at: 2025-08-18T13:52:00Z
mitigated_at: 2025-08-18T16:10:00Z
resolved_at: 2025-08-19T12:00:00Z
detection_method: internal
ai_related: true
failure_mode: bad-input-data
cleanup_hours: 22
contributing_factors: [no-data-contract, drift-alert-missing]
---

# Feature Store served week-old embeddings to ranking

## Summary

The nightly embedding job failed silently; the Feature Store kept serving the last
good snapshot, seven days old, and ranking quality slid all day.

## Impact

Click-through on search fell 9 % for eleven hours.

## Timeline

- 02:00 — Nightly embedding job exits early after an upstream schema change
- 13:40 — An analyst notices the drop in the daily report
- 13:52 — Data Engineering on-call acknowledges
- 16:10 — Job fixed and re-run; fresh embeddings served
- 2025-08-19 12:00 UTC — Backfill checked; incident resolved

## Root cause

The upstream table renamed a column; the job treated the missing column as empty and
wrote nothing, and no freshness check watched the snapshot age.

## Resolution

Re-ran the job after mapping the renamed column; added a snapshot-age alert.

## Lessons learned

### What went wrong

A schema change upstream was not announced and nothing checked the data contract.

## Action items

- [x] [prevent] Data contract test on the upstream table (owner: kofi.mensah, due: 2025-09-01)
- [ ] [prevent] Alert when snapshot age exceeds 26 hours (owner: hana.sato, due: 2025-09-15)
""",
    "2025-06-model-serving-rollout.md": """---
id: PM-2025-014
title: Model Serving rollout doubled p99 latency
severity: SEV1
team: ml-platform
service: Model Serving
started_at: 2025-06-10T14:00:00Z
detected_at: 2025-06-10T14:06:00Z
acknowledged_at: 2025-06-10T14:08:00Z
mitigated_at: 2025-06-10T14:31:00Z
resolved_at: 2025-06-10T18:00:00Z
detection_method: monitoring
ai_related: true
failure_mode: bad-deployment
rolled_back: true
deployment_ref: serving@5.2.0
cleanup_hours: 3
contributing_factors: [no-canary, config-not-reviewed]
---

# Model Serving rollout doubled p99 latency

## Summary

Version 5.2.0 shipped a batching setting meant for offline scoring; online p99 went
from 180 ms to 420 ms and checkout timed out for some users.

## Timeline

- 14:00 — 5.2.0 rolled out to every region at once
- 14:06 — Latency SLO alert fires
- 14:08 — On-call acknowledges
- 14:31 — Rolled back to 5.1.4; latency back to normal
- 18:00 — Config fixed and reviewed; incident resolved

## Root cause

The batching setting was copied from the offline profile; the change was not reviewed
and there was no canary stage.

## Resolution

Rolled back and added a canary stage with an automatic latency gate.

## Action items

- [x] [prevent] Canary stage with latency gate for serving releases (owner: mateo.rossi)
- [x] [process] Second reviewer for serving config changes (owner: rosa.silva)
""",
    "2025-03-checkout-prompt-injection.md": """---
id: PM-2025-006
title: Prompt injection in product reviews reached the Search Answers tool calls
severity: SEV2
team: ai-product
service: Search Answers
started_at: 2025-03-02T20:15:00Z
detected_at: 2025-03-03T08:30:00Z
acknowledged_at: 2025-03-03T08:41:00Z
mitigated_at: 2025-03-03T10:05:00Z
resolved_at: 2025-03-04T15:00:00Z
detection_method: audit
ai_related: true
failure_mode: prompt-injection
cleanup_hours: 9.5
contributing_factors: [untrusted-input-in-prompt, tool-permissions-too-wide]
---

# Prompt injection in product reviews reached the Search Answers tool calls

## Summary

A review containing hidden instructions made Search Answers call the discount tool and
show a coupon code in answers about one product.

## Impact

The code was shown 1,204 times and redeemed 37 times before it was revoked.

## Timeline

- 20:15 — Review with hidden instructions is published
- 2025-03-03 08:30 UTC — Weekly answer audit flags a coupon in an answer
- 2025-03-03 08:41 UTC — On-call acknowledges
- 2025-03-03 10:05 UTC — Discount tool removed from Search Answers; code revoked
- 2025-03-04 15:00 UTC — Review text sanitising shipped; incident resolved

## Root cause

Review text went into the prompt unmarked, and the model could call a tool it never
needed.

## Resolution

Removed the tool, marked untrusted text in prompts, and added injection tests.

## Action items

- [x] [mitigate] Remove the discount tool from Search Answers (owner: sam.taylor)
- [ ] [prevent] Injection test suite in CI (owner: victor.dubois, due: 2025-04-01)
""",
    "2025-10-edge-gateway-provider.md": """---
id: PM-2025-027
title: Edge Gateway failed closed during the DNS provider outage
severity: SEV1
team: sre
service: Edge Gateway
started_at: 2025-10-20T07:48:00Z
detected_at: 2025-10-20T07:50:00Z
acknowledged_at: 2025-10-20T07:51:00Z
mitigated_at: 2025-10-20T08:20:00Z
resolved_at: 2025-10-20T11:00:00Z
detection_method: monitoring
ai_related: false
failure_mode: dependency-outage
cleanup_hours: 1
contributing_factors: [no-fallback, provider-status-unwatched]
---

# Edge Gateway failed closed during the DNS provider outage

## Summary

Our DNS provider stopped answering; the gateway's health checks failed and it took
every route out of rotation.

## Timeline

- 07:48 — Provider stops answering queries
- 07:50 — Availability alert fires
- 07:51 — On-call acknowledges
- 08:20 — Switched to the secondary provider; traffic recovers
- 11:00 — Primary provider healthy; incident resolved

## Resolution

Failed over to the secondary DNS provider and made health checks tolerate it.

## Lessons learned

### What went well

Detection took two minutes and the runbook had the failover steps.

### Where we got lucky

The secondary provider had been set up the month before.
""",
}

# failure mode → words that identify the skills that address it
RULE_KEYWORDS = {
    FailureMode.HALLUCINATION: ("prompt", "grounding", "evaluation"),
    FailureMode.PROMPT_INJECTION: ("security", "injection", "red"),
    FailureMode.DATA_LEAK: ("privacy", "governance", "redact"),
    FailureMode.DRIFT: ("drift", "monitoring"),
    FailureMode.BAD_INPUT_DATA: ("data validation", "contract", "lineage"),
    FailureMode.BAD_DEPLOYMENT: ("canary", "rollout", "ci/cd"),
    FailureMode.CAPACITY: ("observability", "capacity"),
    FailureMode.DEPENDENCY_OUTAGE: ("incident", "runbook"),
}


def _services() -> None:
    teams = {t.slug: t for t in Team.objects.filter(slug__in=TEAMS)}
    for slug, (services_, _, _) in TEAMS.items():
        for name, tier, ai_powered in services_:
            Service.objects.update_or_create(
                slug=name.lower().replace(" ", "-"),
                defaults={
                    "name": name,
                    "team": teams.get(slug),
                    "tier": tier,
                    "ai_powered": ai_powered,
                },
            )


def _import_if_changed(format: str, source: str, documents: list[Document]) -> None:
    request = services.import_request_check(format=format, source=source)
    preview = services.import_preview(
        request=request, documents=documents, sample=0, validate_limit=None
    )
    if not (preview.would_create or preview.would_update or preview.rejected):
        return
    batch = services.import_batch_create(
        format=format,
        documents=documents,
        created_by=None,
        source=source,
        channel=ImportBatch.Channel.COMMAND,
        enqueue=False,
    )
    services.import_batch_process(batch_id=batch.pk, time_budget=float("inf"))


def _training_rules() -> None:
    """Map failure modes to the demo curriculum's skills, where those skills exist."""
    for mode, words in RULE_KEYWORDS.items():
        for skill in Skill.objects.order_by("slug"):
            text = f"{skill.name} {skill.description}".lower()
            if any(word in text for word in words):
                TrainingRule.objects.get_or_create(
                    failure_mode=mode, factor=None, skill=skill, module=None
                )
                break


def seed_incidents() -> None:
    if not Team.objects.filter(slug__in=TEAMS).exists():
        return  # the organisation seeder runs first
    with transaction.atomic():
        _services()
    _import_if_changed(
        "json", SOURCE, [Document("demo-incidents.json", json.dumps(incident_records()))]
    )
    _import_if_changed(
        "markdown",
        POSTMORTEM_SOURCE,
        [Document(name, text) for name, text in sorted(POSTMORTEMS.items())],
    )
    _training_rules()
    services.training_suggestions_refresh()
    first = Incident.objects.filter(source=POSTMORTEM_SOURCE, external_id="PM-2025-031").first()
    if first is not None:
        services.exercise_draft_create(incident=first, created_by=None)
