"""Helpers of the greetings tests: contacts with consent, and rules turned on."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.utils import timezone

from accord.marketing.models import Consent, GreetingRule


def consent(contact: Any, channel: str = "email", purpose: str = "greetings") -> Consent:
    return Consent.objects.create(
        contact=contact, channel=channel, purpose=purpose, state="granted", method="form", given_at=timezone.now()
    )


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
