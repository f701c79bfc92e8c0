"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

JSON_TOO_DEEP = "json_too_deep"
# No body of this API nests more than four levels; anything far deeper is abuse. Python's JSON
# decoder recurses once per level and raises RecursionError near 1,000 levels (2 KB of
# brackets), and whatever walks the data afterwards (validation, idempotency fingerprints,
# logging) could recurse as deep: such a body is refused here, before anything else reads it.
MAX_JSON_DEPTH = 32


def _too_deep() -> ParseError:
    return ParseError(
        _("The JSON body is nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH},
        code=JSON_TOO_DEEP,
    )


def nesting_exceeds(data: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` levels (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, Mapping):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """Answers 400 ``json_too_deep`` (problem+json) for a body nested too deeply, where DRF's
    parser let the decoder's RecursionError through as a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        if nesting_exceeds(data, MAX_JSON_DEPTH):
            raise _too_deep()
        return data
