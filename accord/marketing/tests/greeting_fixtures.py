"""Helpers of the greetings tests: contacts with consent, and rules turned on."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from accord.marketing.models import Consent, GreetingRule


def consent(contact: Any, channel: str = "email", purpose: str = "greetings") -> Consent:
    """The contact's consent to greetings on ``channel``, as a paper form records it."""
    from accord.marketing.services.consent import Proof, give

    proof = Proof(method="paper", text="I agree to receive birthday and holiday greetings.", source="Trade fair")
    return give(actor=None, contact=contact, channel=channel, purpose=purpose, proof=proof)


def enable_only(occasion: str, **changes: Any) -> GreetingRule:
    """Turn on the default rule of ``occasion`` (and only it)."""
    GreetingRule.objects.update(enabled=False)
    rule = GreetingRule.objects.get(occasion=occasion)
    for name, value in {"enabled": True, **changes}.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def at(zone: str, *args: int) -> datetime.datetime:
    """An instant given as a wall-clock time in ``zone``."""
    return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))  # type: ignore[misc]
