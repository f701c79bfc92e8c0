"""The guide page's service worker (docs/visits.md, the guide's day offline): served from the
site's root as JavaScript, revalidated at each check, under the site's CSP, and keeping only
the public shell and the app's static files (never an API answer)."""

from __future__ import annotations

import json
import re

from django.templatetags.static import static
from django.test import Client

from frontend.views import CSP, module_urls, text_module_urls


def test_the_worker_is_served_from_the_root_with_its_headers() -> None:
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, no-cache"
    assert response["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP


def test_the_worker_keeps_the_shell_and_every_module() -> None:
    text = Client().get("/sw.js").content.decode()
    listed = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", text).group(1))
    texts = [text_module_urls()["fr"], text_module_urls()["en"]]
    assert listed == [static("frontend/js/main.js"), *module_urls(), *texts]
    assert all("texts-" not in url for url in module_urls())
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', text)
    # Never an answer of the API, nor sign-in or sign-out: only the shell and static files.
    assert "/api/" not in text.split("self.addEventListener")[-1]


def test_only_get_is_allowed() -> None:
    assert Client().post("/sw.js").status_code == 405
