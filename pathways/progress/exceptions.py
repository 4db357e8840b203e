from django.core.exceptions import ValidationError

from config.api import register_domain_error


@register_domain_error
class ProgressError(Exception):
    """A request about skills, cohorts, enrolment or progress that cannot be carried out.

    The API turns it into a 400 and the HTML views into a message.
    """


def full_clean(instance) -> None:  # type: ignore[no-untyped-def]
    """Validate a model instance; its errors as one ProgressError."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ProgressError("; ".join(exc.messages)) from exc
