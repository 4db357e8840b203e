from config.api import register_domain_error


@register_domain_error
class ProgressError(Exception):
    """A request about skills, cohorts, enrolment or progress that cannot be carried out.

    The API turns it into a 400 and the HTML views into a message.
    """
