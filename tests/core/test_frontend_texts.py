"""The web app's interface texts (frontend/static/frontend/js/i18n.js): each language names each
key once (a key written twice in an object literal silently keeps the last text, as happened to
the booking page's "visit cancelled" notice), and French and English have the same keys."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

I18N = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "js" / "i18n.js"
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`|\'(?:[^\'\\]|\\.)*\'')
KEY = re.compile(r"(?:^|[{,\s])([A-Za-z_][A-Za-z0-9_]*)\s*:")


def _keys() -> dict[str, list[str]]:
    source = STRING.sub('""', I18N.read_text())  # no text can look like a key
    body = source[source.index("const TEXTS = {") :]
    blocks = re.split(r"\n  (fr|en): \{", body)
    found = {}
    for lang, block in zip(blocks[1::2], blocks[2::2], strict=True):
        found[lang] = KEY.findall(block[: block.index("\n  },")])
    return found


def test_each_language_names_each_text_once() -> None:
    for lang, keys in _keys().items():
        twice = sorted(key for key, count in Counter(keys).items() if count > 1)
        assert twice == [], f"{lang}: {twice}"


def test_french_and_english_have_the_same_texts() -> None:
    keys = _keys()
    assert set(keys["fr"]) == set(keys["en"]), set(keys["fr"]) ^ set(keys["en"])
