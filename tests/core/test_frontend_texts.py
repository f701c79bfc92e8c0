"""The web app's interface texts (frontend/static/frontend/js/texts-fr.js and texts-en.js,
loaded by i18n.js): each language names each key once (a key written twice in an object literal
silently keeps the last text, as happened to the booking page's "visit cancelled" notice), and
French and English have the same keys."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

JS = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "js"
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`|\'(?:[^\'\\]|\\.)*\'')
KEY = re.compile(r"(?:^|[{,\s])([A-Za-z_][A-Za-z0-9_]*)\s*:")


def _keys() -> dict[str, list[str]]:
    found = {}
    for lang in ("fr", "en"):
        source = STRING.sub('""', (JS / f"texts-{lang}.js").read_text())  # no text is a key
        body = source[source.index("export default {") + len("export default {") :]
        found[lang] = KEY.findall(body[: body.rindex("\n};")])
    return found


def test_each_language_names_each_text_once() -> None:
    for lang, keys in _keys().items():
        twice = sorted(key for key, count in Counter(keys).items() if count > 1)
        assert twice == [], f"{lang}: {twice}"


def test_french_and_english_have_the_same_texts() -> None:
    keys = _keys()
    assert set(keys["fr"]) == set(keys["en"]), set(keys["fr"]) ^ set(keys["en"])
