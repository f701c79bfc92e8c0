from collections.abc import Iterator

import pytest

from einvoicing.chorus_pro import forget_tokens
from tests.fakes.afnor_flow import flow_platform  # noqa: F401  (fixture)
from tests.fakes.chorus_pro import chorus_pro  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    """Each test starts with no cached token (the fake's tokens die with it)."""
    forget_tokens()
    yield
    forget_tokens()
