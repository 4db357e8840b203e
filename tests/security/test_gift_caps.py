"""GIFT imports have a size and a question-count cap, refused before parsing."""

import time

import pytest
from django.urls import reverse

from assessments import services
from assessments.exceptions import AssessmentError
from tests.assessments.factories import QuestionBankFactory

pytestmark = pytest.mark.django_db


def test_a_large_paste_is_refused_at_once(api_client, author):
    bank = QuestionBankFactory()
    text = "Q{T}\n\n" * (1000 * 1000 // 6)
    api_client.force_authenticate(author)

    response = api_client.post(
        reverse("api-assessments-gift-import", args=[bank.pk]), {"text": text}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The GIFT text is 1,000 kB; at most 512 kB is read at once. "
        "Split it into smaller files."
    }
    assert not bank.questions.exists()


def test_a_5_mb_paste_is_refused_in_well_under_a_second():
    text = "Q{T}\n\n" * (5 * 1000 * 1000 // 6)
    started = time.perf_counter()
    with pytest.raises(AssessmentError, match="The GIFT text is 5,000 kB"):
        services.gift_preview(text=text)
    assert time.perf_counter() - started < 1


def test_more_than_the_question_cap_is_refused_with_a_clear_error(settings):
    settings.ASSESSMENTS_GIFT_MAX_QUESTIONS = 3
    text = "\n\n".join(f"Q{n} {{T}}" for n in range(4))
    with pytest.raises(AssessmentError, match="holds 4 questions; at most 3 are read at once"):
        services.gift_preview(text=text)
    assert len(services.gift_preview(text="\n\n".join(["Q {T}"] * 3)).questions) == 3


def test_the_import_page_says_why(client, author):
    bank = QuestionBankFactory()
    client.force_login(author)
    page = client.post(
        reverse("assessments:gift_import", args=[bank.pk]),
        {"text": "Q{T}\n\n" * 100_000, "action": "preview"},
        follow=True,
    )
    # 600 kB is over what is read at once, and its 100,000 questions over the background cap
    assert (
        "holds 100,000 questions; at most 10,000 are imported, in the background. "
        "Split it into smaller files."
    ) in page.content.decode()
    too_big = client.post(
        reverse("assessments:gift_import", args=[bank.pk]),
        {"text": "::A long question:: " + "x" * 2_100_000 + " {T}", "action": "preview"},
    )
    assert "at most 2,000 kB is imported, in the background" in too_big.content.decode()
