"""Request parsers: JSON, refusing text no record may hold."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


class StrictJSONParser(JSONParser):
    """JSON whose strings hold no NUL character.

    PostgreSQL text cannot store NUL, and a NUL in a code looked up in the database
    fails the query itself; refusing it here gives one clear 400 instead of a failure
    deep inside whichever field meets it first.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            holds_nul = _holds_nul(data)
        except RecursionError:  # "[[[[..." deep enough to exhaust the parser's stack
            raise ParseError("JSON nested too deeply.") from None
        if holds_nul:
            raise ParseError("Text in the request may not contain NUL (\\u0000) characters.")
        return data
