"""Fixtures of marketing's tests: a contact with an e-mail and a phone, a marketer, a real SMTP
server (aiosmtpd), and running the event consumers as the worker would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from accord.identity.models import Role
from accord.messaging.tests.conftest import Inbox, free_port, smtp_settings


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.ACCORD_BASE_URL = "https://crm.example.com"
    settings.ACCORD_CONSENT_DOUBLE_OPT_IN = True
    settings.ACCORD_CONSENT_CONFIRM_DAYS = 7


@pytest.fixture
def contact(owner: Any, make_contact: Any) -> Any:
    return make_contact(
        owner,
        first_name="Zofia",
        last_name="Gęślak",
        emails=[{"email": "Zofia@Zolta.example"}],
        phones=[{"number": "+48 601 234 567"}],
        preferred_language="pl",
    )


@pytest.fixture
def marketer(make_user: Any) -> Any:
    return make_user(Role.MARKETER, [], username="marketer")


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server the default mailer points at while the test runs."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with smtp_settings(controller.port):
            yield inbox
    finally:
        controller.stop()


@pytest.fixture
def dispatch(db: Any) -> Any:
    """Offer the pending events to their consumers (the worker's job) and fail on any consumer error."""
    from accord.core.events import dispatch_pending
    from accord.core.models import Event

    def run() -> int:
        count = dispatch_pending()
        failed = list(Event.objects.exclude(last_error="").values_list("name", "last_error"))
        assert not failed, failed
        return count

    return run


@pytest.fixture
def world(owner: Any, outsider: Any, admin_user: Any, make_contact: Any, make_company: Any) -> Any:
    """The segment tests' customer base (see segment_world.py)."""
    from accord.marketing.tests.segment_world import build_world

    return build_world(owner, outsider, admin_user, make_contact, make_company)


@pytest.fixture(autouse=True)
def _greeting_rules(request: pytest.FixtureRequest) -> None:
    """A test that flushed the database (a transactional one) took the default greeting rules
    with it; put them back."""
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        from accord.marketing.greeting_texts import ensure_default_rules

        ensure_default_rules()


@pytest.fixture
def shop(owner: Any, outsider: Any, admin_user: Any, marketer: Any, make_contact: Any) -> Any:
    """The offer tests' coffee shop (see offer_world.py)."""
    from accord.marketing.tests.offer_world import build_shop

    return build_shop(owner, outsider, admin_user, marketer, make_contact)
