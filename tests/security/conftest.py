# The cohort fixtures of the metrics tests, for the small-group tests here.
from tests.metrics.test_cohort_dashboard import catalogue, sponsor  # noqa: F401
