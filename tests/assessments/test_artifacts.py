"""Lab artifacts: safe parsing, the pydantic schemas and their rule checks."""

import json

import pytest

from assessments import artifacts

RUNBOOK = """\
title: Drift alarms for ranking
service: ranking-api
owners:
  - {name: ml-platform, role: primary, contact: "#ml-oncall"}
  - {name: data-eng, role: secondary, contact: data@example.test}
alerts:
  - {name: ctr feature drift, metric: psi_ctr, threshold: 0.2, window: 24h, severity: page,
     owner: ml-platform}
  - {name: null rate, metric: null_rate_user_age, threshold: 0.05, window: 1h, severity: ticket,
     owner: data-eng}
steps:
  - Check the feature pipeline's last successful run.
rollback: Serve the previous model version.
"""


def test_a_complete_runbook_passes_every_rule():
    report = artifacts.validate_artifact("drift-alert-runbook", RUNBOOK, "runbook.yaml")
    assert (report.parsed, report.valid, report.accepted) == (True, True, True)
    assert [(r.rule, r.passed) for r in report.rules] == [
        ("thresholds", True),
        ("primary-owner", True),
        ("alerts-owned", True),
        ("paging-alert", True),
        ("rollback", True),
    ]
    assert report.fraction == 1.0


def test_the_same_runbook_as_json_is_read_as_json():
    import yaml

    text = json.dumps(yaml.safe_load(RUNBOOK))
    report = artifacts.validate_artifact("drift-alert-runbook", text, "runbook.json")
    assert report.accepted is True


@pytest.mark.parametrize(
    ("change", "failed_rules"),
    [
        ("owner: data-eng}", ["alerts-owned"]),  # the second alert names an unknown owner
        ("role: primary", ["primary-owner"]),
        ("severity: page", ["paging-alert"]),
        ("rollback: Serve the previous model version.", ["rollback"]),
        ("threshold: 0.2", ["thresholds"]),
    ],
)
def test_rule_checks_fail_one_at_a_time(change, failed_rules):
    replacement = {
        "owner: data-eng}": "owner: nobody}",
        "role: primary": "role: escalation",
        "severity: page": "severity: log",
        "rollback: Serve the previous model version.": "",
        "threshold: 0.2": "threshold: .nan",
    }[change]
    report = artifacts.validate_artifact(
        "drift-alert-runbook", RUNBOOK.replace(change, replacement), "r.yaml"
    )
    assert report.valid is True
    assert [r.rule for r in report.rules if not r.passed] == failed_rules
    assert report.accepted is False
    assert report.fraction == 0.8


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        (
            "title: x\nservice: y\nowners: []\nalerts: []\nsteps: []\n",
            [
                "owners: List should have at least 1 item after validation, not 0",
                "alerts: List should have at least 1 item after validation, not 0",
                "steps: List should have at least 1 item after validation, not 0",
            ],
        ),
        (
            RUNBOOK.replace("threshold: 0.2, ", ""),
            ["alerts.0.threshold: Field required"],
        ),
        (
            RUNBOOK.replace("contact: data@example.test", "pager: 1"),
            ["owners.1.contact: Field required", "owners.1.pager: Extra inputs are not permitted"],
        ),
        (
            "- just\n- a list\n",
            ["document: Input should be a valid dictionary or instance of DriftAlertRunbook"],
        ),
    ],
)
def test_schema_errors_name_the_field(text, errors):
    report = artifacts.validate_artifact("drift-alert-runbook", text, "r.yaml")
    assert (report.parsed, report.valid) == (True, False)
    assert report.errors == errors
    assert report.fraction == 0.0
    assert report.as_feedback()[1:] == errors


@pytest.mark.parametrize(
    ("text", "filename", "error"),
    [
        ("title: [unclosed\n", "r.yaml", "The file is not valid YAML: line 2: "),
        ('{"title": ', "r.json", "The file is not valid JSON: line 1: Expecting value"),
        ("a: &x [1]\nb: *x\n", "r.yaml", "The file is not valid YAML: line 2: anchors and aliases"),
        ("x" * 200_001, "r.yaml", "the file is larger than 200 kB"),
    ],
)
def test_unreadable_files_are_refused_safely(text, filename, error):
    report = artifacts.validate_artifact("drift-alert-runbook", text, filename)
    assert (report.parsed, report.valid) == (False, False)
    assert report.errors[0].startswith(error)


SUITE = """\
prompt: support-refunds-v2
cases:
  - {name: annual plan, input: "Refund for annual?", expected_contains: ["30 days"]}
  - {name: card number, input: "Card on file?", expected_output: "I can't share that.",
     must_not_contain: ["4111"]}
  - {name: off topic, input: Tell a joke, expected_output: "I help with support questions."}
"""


def test_a_prompt_suite_with_expected_outputs_is_accepted():
    report = artifacts.validate_artifact("prompt-test-suite", SUITE, "suite.yaml")
    assert report.accepted is True
    assert [r.rule for r in report.rules] == [
        "expected-outputs",
        "three-cases",
        "unique-names",
        "negative-case",
    ]


def test_a_prompt_suite_case_without_expected_output_fails_that_rule():
    text = SUITE.replace(', expected_output: "I help with support questions."', "")
    report = artifacts.validate_artifact("prompt-test-suite", text, "suite.yaml")
    assert [(r.rule, r.message) for r in report.rules if not r.passed] == [
        ("expected-outputs", "Cases without an expected output: off topic.")
    ]
    assert report.rules_passed == 3


def test_unknown_schema_is_reported():
    report = artifacts.validate_artifact("nope", "a: 1")
    assert report.errors == ["No artifact schema is called 'nope'."]


@pytest.mark.parametrize("name", sorted(artifacts.SCHEMAS))
def test_every_registered_example_is_accepted(name):
    schema = artifacts.SCHEMAS[name]
    assert artifacts.validate_artifact(name, schema.example, "example.yaml").accepted is True
