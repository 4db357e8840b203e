"""The API's one JSON parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

Its own module: `rest_framework.views` reads the parser setting when it is imported,
so this module must not import it.
"""

from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """Deeply nested JSON is a bad request, not a server error."""

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply") from None
