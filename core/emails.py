"""Plain-text e-mails rendered from templates, without HTML escaping.

Django's templates escape for HTML: rendered into a ``text/plain`` body, "O'Brien & Fils" became
"O&#x27;Brien &amp; Fils". A plain-text body is not HTML, so its templates are rendered with
autoescaping off; nothing in them is ever put in a page.
"""

from __future__ import annotations

from typing import Any

from django.template import Context
from django.template.loader import get_template


def render_plain_text(template_name: str, context: dict[str, Any]) -> str:
    """The template rendered as plain text: values as written, no HTML entities."""
    # The Django backend's template wraps the engine's own, whose Context decides escaping.
    template = get_template(template_name).template  # type: ignore[attr-defined]
    return str(template.render(Context(context, autoescape=False)))
