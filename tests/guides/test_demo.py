"""The demo guides cover the demo departures, never in two places at once."""

from __future__ import annotations

import io
import itertools
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from guides.models import Assignment, Guide

pytestmark = pytest.mark.django_db


def test_demo_guides_are_assigned_without_conflict_and_loading_twice_changes_nothing() -> None:
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_guides_demo", stdout=io.StringIO())
    guides = list(Guide.objects.order_by("display_name"))
    assert len(guides) == 4
    assert sorted(language for g in guides for language in g.languages[:1]) == [
        "de",
        "en",
        "fr",
        "nl",
    ]
    assert all(g.themes.exists() for g in guides)
    assignments = list(Assignment.objects.order_by("guide_id", "starts_at"))
    assert len(assignments) > 20
    for before, after in itertools.pairwise(assignments):
        if before.guide_id == after.guide_id:
            assert before.ends_at <= after.starts_at
    for assignment in assignments:
        assert assignment.departure.language in assignment.guide.languages
    count = len(assignments)
    out = io.StringIO()
    call_command("load_guides_demo", stdout=out)
    assert Assignment.objects.count() == count
    assert "0 new assignments" in out.getvalue()


def test_each_new_demo_guide_gets_a_password_printed_once() -> None:
    call_command("load_demo", stdout=io.StringIO())
    first = io.StringIO()
    call_command("load_guides_demo", stdout=first)
    printed = re.findall(r"Guide '([\w.]+)': password '([^']+)'", first.getvalue())
    assert len(printed) == 4
    username, password = printed[0]
    assert (
        authenticate(
            RequestFactory().post("/accounts/login/"), username=username, password=password
        )
        is not None
    )
    again = io.StringIO()
    call_command("load_guides_demo", stdout=again)
    assert "password" not in again.getvalue()
