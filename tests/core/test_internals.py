"""Canaries: the code that leans on a library's internals runs only on the versions it was
checked against (``SUPPORTED`` next to the code, ``core.internals``)."""

from __future__ import annotations

import pytest

from core import serializers, sql
from core.internals import Supported

PIECES = {
    "core.sql": sql.SUPPORTED,
    "core.serializers": serializers.SUPPORTED,
}


@pytest.mark.parametrize("module", PIECES)
def test_the_installed_library_is_in_the_range_the_code_was_checked_against(module: str) -> None:
    problem = PIECES[module].problem()
    assert problem is None, f"{module}: {problem}"


def test_a_version_out_of_range_is_named_with_the_range_and_the_setting() -> None:
    installed = sql.SUPPORTED.installed()
    moved = Supported("django", minimum="4.0", below=installed, setting="COMPILED_QUERIES")
    problem = moved.problem()
    assert problem is not None
    assert f"django {installed} is installed" in problem
    assert f">=4.0,<{installed}" in problem and "COMPILED_QUERIES=0" in problem
    too_new = Supported("django", minimum="99.0", below="100.0", setting="COMPILED_QUERIES")
    assert too_new.problem() is not None
