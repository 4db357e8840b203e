"""Reads for metrics: scopes and who may see them, incident KPI reports from rollups,
distributions, key results and the state of the rollups.

Nothing here reads incidents: every figure comes from `IncidentRollup` rows (one
query per report), so a dashboard costs the same whatever the number of incidents
behind it, up to the number of buckets it spans.
"""

from .cohorts import (
    NO_DATA,
    PROGRAM_COHORTS,
    Figure,
    at_risk_visible,
    governance_since,
    program_table,
    training_kpis,
)
from .key_results import key_result_measure, key_result_value, objectives_for_user
from .outcomes import OutcomeMeasure, cohort_outcomes
from .overview import TREND_WEEKS, Headline, Trend, dashboard_overview, trend_windows
from .reports import (
    IncidentReport,
    PeriodFigures,
    histogram,
    incident_report,
    method_metadata,
    rollup_status,
)
from .scopes import (
    DEFAULT_PERIODS,
    HIGH_RISK_SEVERITIES,
    MAX_PERIODS,
    REPORT_PARAMETERS,
    Filters,
    Scope,
    cohort_for_user,
    cohort_scope,
    date_parse,
    dates_parse,
    estimated_team_ids,
    filters_parse,
    latest_incident_day,
    may_see_everything,
    parameters_check,
    periods_back,
    scope_check,
    scope_for_user,
    scope_parse,
    scopes_for_user,
    services_for_user,
)

__all__ = [
    "DEFAULT_PERIODS",
    "HIGH_RISK_SEVERITIES",
    "MAX_PERIODS",
    "NO_DATA",
    "PROGRAM_COHORTS",
    "REPORT_PARAMETERS",
    "TREND_WEEKS",
    "Figure",
    "Filters",
    "Headline",
    "IncidentReport",
    "OutcomeMeasure",
    "PeriodFigures",
    "Scope",
    "Trend",
    "at_risk_visible",
    "cohort_for_user",
    "cohort_outcomes",
    "cohort_scope",
    "dashboard_overview",
    "date_parse",
    "dates_parse",
    "estimated_team_ids",
    "filters_parse",
    "governance_since",
    "histogram",
    "incident_report",
    "key_result_measure",
    "key_result_value",
    "latest_incident_day",
    "may_see_everything",
    "method_metadata",
    "objectives_for_user",
    "parameters_check",
    "periods_back",
    "program_table",
    "rollup_status",
    "scope_check",
    "scope_for_user",
    "scope_parse",
    "scopes_for_user",
    "services_for_user",
    "training_kpis",
    "trend_windows",
]
