"""Ranges user input must stay in, so edge values are a clear error, never an overflow.

Dates: every date a person or script sends (filters, KPI periods, impact windows) lies
in [DATE_MIN, DATE_MAX]; beyond it adding a day or a period overflows Python's date.
"""

import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)
DATE_RANGE_MESSAGE = f"Use a date from {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}."


def date_in_range(value: dt.date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


class BoundedDateField(forms.DateField):
    default_validators = [
        MinValueValidator(DATE_MIN, message=DATE_RANGE_MESSAGE),
        MaxValueValidator(DATE_MAX, message=DATE_RANGE_MESSAGE),
    ]
