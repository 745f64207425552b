"""Reads of sales automation for the settings screen: each rule with how often and when it fired."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet

from accord.core import access
from accord.sales.models import AutomationRule


def rules_with_runs(user: Any) -> QuerySet[AutomationRule]:
    """Every rule, annotated with ``run_count`` and ``last_fired_at`` (None when it never fired).

    Rules are settings, not customer records: only administrators see them.
    """
    if not access.is_admin(user):
        return AutomationRule.objects.none()
    return (
        AutomationRule.objects.select_related("pipeline", "stage")
        .annotate(run_count=Count("runs"), last_fired_at=Max("runs__at"))
        .order_by("name")
    )
