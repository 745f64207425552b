"""Reads of saved reports: which a user may open, and their pivots and drill-downs for that user."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accord.analytics.models import Report
from accord.analytics.selectors import pivot
from accord.core import access


def visible_reports(user: Any) -> QuerySet[Report]:
    """The reports ``user`` owns and those shared with their role (an administrator: all)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Report.objects.none()
    qs = Report.objects.select_related("owner")
    if access.is_admin(user):
        return qs
    return qs.filter(
        Q(owner_id=user.pk)
        | Q(pk__in=Report.shared_with.through.objects.filter(role_id=user.role_id).values("report_id"))
    )


def visible_report(user: Any, pk: Any) -> Report:
    try:
        key = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except ValueError:
        raise Http404 from None
    found = visible_reports(user).filter(pk=key).prefetch_related("shared_with", "recipients").first()
    if found is None:
        raise Http404
    return found


def may_change(user: Any, report: Report) -> bool:
    return report.owner_id == getattr(user, "pk", None) or access.is_admin(user)


def definition_of(user: Any, report: Report) -> pivot.Definition:
    """The report's definition as ``user`` may run it (a ValidationError when they may not: an
    amount measure opened by a role that may not see amounts)."""
    return pivot.parse_definition(user, report.definition)
