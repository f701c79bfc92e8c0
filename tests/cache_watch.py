"""Watch an action for the rows it writes and the cache namespaces it bumps.

The invalidation guards of each app (tests/*/test_invalidation.py) run a service or an admin
page under this watch and fail for a writer that writes a row without saying what it made
stale. Each guard subclasses ``Seen`` with its own ``check``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

import pytest
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.test import TestCase

from core import cache


class Seen:
    """What an action wrote (model names, and each saved row with whether it was created) and
    which cache namespaces it bumped, in order."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.saved: list[tuple[Model, bool]] = []
        self.bumped: list[str] = []

    def require(self, namespaces: Collection[str], *, what: str) -> None:
        assert self.written, f"no {what} was written"
        for namespace in namespaces:
            assert namespace in self.bumped, f"{self.written} written, {namespace} not bumped"


S = TypeVar("S", bound=Seen)

_SIGNALS = (post_save, post_delete, m2m_changed)
_UID = "tests-cache-watch"


def writes_watcher(
    monkeypatch: pytest.MonkeyPatch, models: Collection[type[Model]], make: Callable[[], S]
) -> Callable[[Callable[[], Any]], S]:
    """A runner: it runs an action (its on-commit callbacks included) and returns what it saw
    of the given models' writes and of the namespaces bumped."""

    def run(action: Callable[[], Any]) -> S:
        seen = make()
        real_incr = cache._incr

        def incr(namespace: str) -> None:
            seen.bumped.append(namespace)
            real_incr(namespace)

        def written(sender: Any, **kwargs: Any) -> None:
            if sender not in models:
                return
            seen.written.append(sender.__name__)
            if "created" in kwargs:
                seen.saved.append((kwargs["instance"], kwargs["created"]))

        monkeypatch.setattr(cache, "_incr", incr)
        for signal in _SIGNALS:
            signal.connect(written, dispatch_uid=_UID)
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                action()
        finally:
            for signal in _SIGNALS:
                signal.disconnect(dispatch_uid=_UID)
            monkeypatch.setattr(cache, "_incr", real_incr)
        return seen

    return run
