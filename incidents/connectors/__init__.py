"""Incident tools Trellis talks to: pulls (PagerDuty REST API v2) and pushes (webhooks).

`pagerduty` is the one module that talks to PagerDuty; `services` is what the rest of
the code (beat job, admin, webhook view) calls.
"""
