"""Retention by first-purchase month: of the customers whose first order fell in a month (their
cohort), how many ordered again in each month after.

A customer is the order's company, else its contact (as the classification counts them); the
orders counted are the confirmed and fulfilled ones the user may see, in any currency, so a rep's
cohorts are made of the rep's customers' orders only. A customer's cohort is the month of their
first such order, in the server's time zone, even when it lies before the months shown. Month 0 is
the cohort's own month (100 % by definition); month k the share of the cohort with an order k
months later. A month not yet reached is left empty, not counted as 0 %.

One query: the distinct (customer, month) pairs of the visible orders, each with its customer's
first month by a window function, counted per (first month, month) — on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, UUIDField
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.billing.models.orders import OrderStatus
from accord.billing.selectors.orders import visible_orders

COUNTED = (OrderStatus.CONFIRMED, OrderStatus.FULFILLED)
MONTHS_DEFAULT, MONTHS_MIN, MONTHS_MAX = 12, 3, 36


@dataclass
class Cohort:
    month: datetime.date
    customers: int
    # Customers ordering in month k after the cohort's (k = 0, 1, ...); None once past today.
    active: list[int | None] = field(default_factory=list)

    @property
    def shares(self) -> list[float | None]:
        return [None if n is None else (100.0 * n / self.customers if self.customers else 0.0) for n in self.active]


@dataclass
class Retention:
    first: datetime.date  # the first cohort shown
    last: datetime.date  # this month
    offsets: int  # the number of month columns, month 0 included
    cohorts: list[Cohort]

    @property
    def average(self) -> list[float | None]:
        """Each month's retention over the cohorts that have reached it, weighted by their size."""
        out: list[float | None] = []
        for k in range(self.offsets):
            reached = [c for c in self.cohorts if k < len(c.active) and c.active[k] is not None]
            total = sum(c.customers for c in reached)
            out.append(100.0 * sum(c.active[k] or 0 for c in reached) / total if total else None)
        return out


def parse_months(value: Any) -> int:
    """The number of cohorts asked for (``months``), 3 to 36; a ValidationError naming it otherwise."""
    if value in (None, ""):
        return MONTHS_DEFAULT
    try:
        months = int(str(value))
    except ValueError:
        raise ValidationError({"months": [_("Enter a whole number.")]}) from None
    if not MONTHS_MIN <= months <= MONTHS_MAX:
        raise ValidationError(
            {"months": [_("Choose between %(low)s and %(high)s months.") % {"low": MONTHS_MIN, "high": MONTHS_MAX}]}
        )
    return months


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _months_between(a: datetime.date, b: datetime.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _as_date(value: Any) -> datetime.date:
    """A truncated month from the database: a datetime (PostgreSQL) or its text (SQLite)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def retention(user: Any, *, months: int = MONTHS_DEFAULT, today: datetime.date | None = None) -> Retention:
    """The last ``months`` cohorts (this month's included) and their retention month by month."""
    this_month = _month_start(today or timezone.localdate())
    first = _add_months(this_month, -(months - 1))
    pairs = (
        visible_orders(user)
        .filter(status__in=COUNTED)
        .exclude(company__isnull=True, contact__isnull=True)
        .annotate(
            customer=Coalesce(F("company_id"), F("contact_id"), output_field=UUIDField()),
            month=TruncMonth("created_at"),
        )
        .values("customer", "month")
        .distinct()
        .order_by()
    )
    inner, params = pairs.query.sql_with_params()
    sql = f"""
        SELECT first_month, month, COUNT(*) FROM (
            SELECT customer, month, MIN(month) OVER (PARTITION BY customer) AS first_month FROM ({inner}) pairs
        ) firsts
        GROUP BY first_month, month
    """  # noqa: S608 - the inner query is Django's, its values bound parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    counts: dict[tuple[datetime.date, int], int] = {}
    for first_month, month, n in found:
        cohort_month = _as_date(first_month)
        if cohort_month < first:
            continue
        counts[(cohort_month, _months_between(cohort_month, _as_date(month)))] = n
    cohorts = []
    for index in range(months):
        month = _add_months(first, index)
        reached = _months_between(month, this_month) + 1
        size = counts.get((month, 0), 0)
        cohorts.append(Cohort(month=month, customers=size, active=[counts.get((month, k), 0) for k in range(reached)]))
    return Retention(first=first, last=this_month, offsets=months, cohorts=cohorts)
