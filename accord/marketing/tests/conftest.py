"""Fixtures of marketing's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _greeting_rules(request: pytest.FixtureRequest) -> None:
    """A test that flushed the database (a transactional one) took the default greeting rules
    with it; put them back."""
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        from accord.marketing.greeting_texts import ensure_default_rules

        ensure_default_rules()
