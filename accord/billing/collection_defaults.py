"""The collections ladder and late-payment rates every installation starts with; an administrator
changes them in the collections settings afterwards."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

STANDARD_LADDER = "Standard"
# position, days after the due date, action, message template, needs approval
LEVELS = [
    (1, 3, "email", "payment_reminder", False),
    (2, 10, "sms", "payment_reminder", False),
    (3, 21, "letter", "demand_letter", False),
    (4, 30, "call", "", False),
    (5, 60, "handoff", "", True),
]
# The statutory interest for late payment in commercial transactions (Poland: the National Bank of
# Poland's reference rate plus ten points, announced for each half-year). Later periods are added
# by an administrator as they are announced.
RATES = [
    (datetime.date(2024, 1, 1), decimal.Decimal("15.75")),
    (datetime.date(2025, 7, 1), decimal.Decimal("15.25")),
]

# The default ladder's name in the reader's language, until an administrator renames it.
TRANSLATED = {STANDARD_LADDER: _("Standard")}


def ensure_collection_defaults(ladder_model: Any = None, level_model: Any = None, rate_model: Any = None) -> None:
    """Create the standard ladder and the known interest rates unless there are ladders and rates
    already (the models may be a migration's historical ones)."""
    if ladder_model is None:
        from accord.billing.models import CollectionLadder, CollectionLevel, LatePaymentRate

        ladder_model, level_model, rate_model = CollectionLadder, CollectionLevel, LatePaymentRate
    if not ladder_model.objects.exists():
        ladder = ladder_model.objects.create(name=STANDARD_LADDER, is_default=True, min_days_between_steps=7)
        for position, days, action, template, approval in LEVELS:
            level_model.objects.create(
                ladder=ladder,
                position=position,
                days_after_due=days,
                action=action,
                template_kind=template,
                needs_approval=approval,
            )
    if not rate_model.objects.exists():
        for valid_from, percent in RATES:
            rate_model.objects.create(valid_from=valid_from, annual_percent=percent)
