from config.api import register_domain_error


@register_domain_error
class MetricsError(Exception):
    """A metrics request that cannot be answered as asked (bad scope, filter, period).

    The API turns it into a 400 and the HTML views into a message.
    """
