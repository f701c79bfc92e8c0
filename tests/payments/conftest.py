from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.payments.helpers import assert_money_invariant


@pytest.fixture(autouse=True)
def _money_invariant(db: Any) -> Iterator[None]:
    """Every payments test ends with the money invariant checked on every booking."""
    yield
    assert_money_invariant()
