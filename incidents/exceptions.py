from config.api import register_domain_error


@register_domain_error
class IncidentsError(Exception):
    """An incident, import or training-map request that cannot be carried out.

    The API turns it into a 400 and the HTML views into a message.
    """
