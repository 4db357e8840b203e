"""A certification earned through the real path: a learner passes the quiz it asks for,
scoring awards it and the award's credential is issued after commit."""

from assessments import services
from assessments.models import QuestionType
from credentials.models import IssuedCredential
from tests.assessments.factories import CertificationFactory, quiz_with


def earn_certification(learner, capture, **certification_fields):
    quiz, (question,) = quiz_with([QuestionType.SINGLE])
    certification = CertificationFactory(
        criteria={"assessments": [quiz.slug]}, **certification_fields
    )
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with capture(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={question.pk: "a"})
    return IssuedCredential.objects.select_related("award").get(
        award__certification=certification, award__user=learner
    )
