"""Every read of billing, scoped by the access policy: a billing record is seen with its customer
(the company or the contact it is for) and by the person who made it, by a role that sees amounts."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from accord.core import access
from accord.people.models import Company, Contact

M = TypeVar("M", bound=models.Model)


def visible(user: Any, queryset: models.QuerySet[M], *, made_by: str | None = "created_by") -> models.QuerySet[M]:
    """The billing records of ``queryset`` that ``user`` may see: those of the companies and
    contacts in their sight, and those they made (the same rule as ``access_via`` on the models,
    written as sub-queries so lists need no DISTINCT)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if not access.sees_amounts(user):
        # Orders, invoices and payments are amounts through and through: a role that may not see
        # amounts (a marketer, a support agent by default) has them out of sight, in lists, pages,
        # panels, exports and the API alike, rather than documents with every figure blanked.
        return queryset.none()
    if access.sees_all(user):
        return queryset
    companies = access.scope(user, Company.objects.all()).values("pk")
    contacts = access.scope(user, Contact.objects.all()).values("pk")
    seen = Q(company__in=companies) | Q(contact__in=contacts)
    if made_by:  # and those they made, for records that say who made them
        seen |= Q(**{f"{made_by}_id": user.id})
    return queryset.filter(seen)
