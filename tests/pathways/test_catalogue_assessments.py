"""Assessments in catalogue files: a check with its bank (GIFT or YAML), bound to a module."""

import pytest
from django.urls import reverse

from assessments.models import Assessment, Question, QuestionBank
from pathways.exceptions import CatalogueError
from pathways.services import catalogue_load

from .test_catalogue_files import GOOD, ROLES, SKILLS

GIFT_CHECK = """\
kind: assessment
slug: small-check
title: Small check
pathway: small
module: first
skills: [tracing]
bank:
  slug: small-bank
  name: Small bank
  gift: |
    // [tag:tracing]
    ::One::Which signal shows a slow hop? {=A span#Yes. ~A log line}

    // [tag:tracing]
    ::Two::Traces are sampled. {TRUE}
"""

YAML_CHECK = """\
kind: assessment
slug: yaml-check
title: YAML check
pathway: small
module: first
bank:
  slug: yaml-bank
  name: YAML bank
  questions:
    - text: Which shows a slow hop?
      choices:
        - {text: A span, right: true, feedback: Yes.}
        - {text: A log line}
      skills: [tracing]
    - type: multiple
      text: Tick the tracing signals.
      choices:
        - {text: Spans, right: true}
        - {text: Trace ids, right: true}
        - {text: CPU load}
    - type: true_false
      text: Traces are sampled.
      answer: true
"""


def load(*documents: tuple[str, str]):  # type: ignore[no-untyped-def]
    return catalogue_load(
        sources=[("skills.yaml", SKILLS), ("roles.yaml", ROLES), ("small.yaml", GOOD), *documents]
    )


def test_a_gift_check_loads_bound_to_its_module_and_reloads_unchanged(db, client, learner):
    # when a pathway and a check bound to its first module are loaded (twice)
    first = load(("check.yaml", GIFT_CHECK))
    again = load(("check.yaml", GIFT_CHECK))

    # then the check exists once, published, with its two tagged questions
    check = Assessment.objects.get(slug="small-check")
    assert (check.module.slug, check.pathway.slug, check.is_published) == ("first", "small", True)
    assert [i.question.title for i in check.items.order_by("order")] == ["One", "Two"]
    assert [q.skills.get().slug for q in Question.objects.order_by("pk")] == ["tracing"] * 2
    assert "assessment small-check" in first.created
    assert "assessment small-check" in again.unchanged and not again.changed

    # and the module page offers it
    client.force_login(learner)
    page = client.get(reverse("pathways:module_detail", args=["small", "first"])).content.decode()
    assert 'data-assessment="small-check"' in page
    assert f'action="{reverse("assessments:start", args=["small-check"])}"' in page


def test_a_yaml_bank_loads_with_the_house_weights(db):
    load(("check.yaml", YAML_CHECK))
    questions = list(QuestionBank.objects.get(slug="yaml-bank").questions.order_by("pk"))
    assert [q.qtype for q in questions] == ["single", "multiple", "true_false"]
    weights = [c["weight"] for c in questions[1].spec["choices"]]
    assert [str(w) for w in weights] == ["50", "50", "-50"]
    assert questions[2].spec["answer"] is True


def test_changed_questions_replace_the_bank_until_someone_attempts_it(db):
    load(("check.yaml", GIFT_CHECK))
    result = load(("check.yaml", GIFT_CHECK.replace("A log line", "A metric")))
    assert "assessment small-check" in result.updated
    assert Question.objects.count() == 2
    assert "A metric" in str(Assessment.objects.get(slug="small-check").questions.first().spec)


def test_unknown_module_skill_tag_and_broken_gift_are_reported_with_lines(db):
    bad = (
        GIFT_CHECK.replace("module: first", "module: second")
        .replace("// [tag:tracing]\n    ::Two", "// [tag:nope]\n    ::Two")
        .replace("{TRUE}", "{TRUE}\n\n    ::Three:: How many? {#abc}")
    )
    with pytest.raises(CatalogueError) as caught:
        load(("check.yaml", bad))
    assert [str(i) for i in caught.value.issues] == [
        "check.yaml:5: module: pathway 'small' has no module 'second'",
        "check.yaml:17: bank.gift: numeric answer 'abc' is not a number",
        "check.yaml:15: bank.gift: unknown skill 'nope'",
    ]
    assert (Assessment.objects.count(), QuestionBank.objects.count()) == (0, 0)


def test_a_check_of_an_unknown_pathway_is_refused(db):
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(
            sources=[("skills.yaml", SKILLS), ("check.yaml", GIFT_CHECK.replace("small", "nope"))]
        )
    assert "check.yaml:4: pathway: unknown pathway 'nope'" in [str(i) for i in caught.value.issues]
