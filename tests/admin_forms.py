"""The data an admin change page would post back as it stands, read from its HTML.

A browser posts every field of the form, inlines and their management forms included; a test
that changes one field posts the rest as the page shows them, with ``form_data(page)``.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            # A checkbox without a value posts "on"; any other input without one posts "".
            default = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(name, []).append(attr.get("value", default))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select is not None and "selected" in attr:
            self.data.setdefault(self._select, []).append(attr.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.data.setdefault(self._textarea, []).append("".join(self._text).lstrip("\n"))
            self._textarea = None


def form_data(page: Any) -> dict[str, Any]:
    """The fields of the admin form on ``page`` (a response), as the client's ``post`` takes
    them: a single value as a string, several (a multiple select) as a list."""
    reader = _FormReader()
    reader.feed(page.content.decode())
    return {name: values[0] if len(values) == 1 else values for name, values in reader.data.items()}
