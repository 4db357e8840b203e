from config.api import register_domain_error


@register_domain_error
class AssessmentError(Exception):
    """A request about question banks, assessments, attempts or reviews that cannot be
    carried out (time is up, no attempts left, not yours to review…).

    The API turns it into a 400 and the HTML views into a message.
    """
