"""Service-level agreements: how soon a ticket must first be answered and resolved.

A ``SlaPolicy`` applies to the tickets of a priority (or any) and a customer group (customers with
a tag, or any); the first active policy in ``position`` order that fits a ticket is its policy.
Targets count business time of the policy's ``BusinessCalendar``: working hours per weekday in
the calendar's time zone, minus the country's public holidays (the ``holidays`` library) and the
calendar's own closed days. Without a calendar the clock runs day and night.

While a ticket waits for the customer its clock stands still: the business time it was paused
moves the resolution due time on when the customer answers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel


def office_hours() -> list[list[list[str]]]:
    """Monday to Friday, 9 to 17; closed at the weekend."""
    return [[["09:00", "17:00"]] for _day in range(5)] + [[], []]


def no_days() -> list[str]:
    return []


class BusinessCalendar(BaseModel):
    """When the support team works: hours per weekday in a time zone, without public holidays."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=60, default="Europe/Warsaw")
    country = models.CharField(
        _("public holidays of"),
        max_length=2,
        blank=True,
        help_text=_("A country code (PL, LT, RO...); empty: no public holidays."),
    )
    # Seven entries, Monday first, each a list of ["HH:MM", "HH:MM"] working periods.
    hours: Any = models.JSONField(_("working hours"), default=office_hours)
    closed_days: Any = models.JSONField(_("closed days"), default=no_days, blank=True)
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"),
        ]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(BaseModel):
    """Targets for the tickets it fits, in business minutes of its calendar."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=0)
    priority = models.CharField(_("priority"), max_length=10, blank=True, help_text=_("Empty: any priority."))
    customer_tag = models.CharField(
        _("customer group"),
        max_length=100,
        blank=True,
        help_text=_("Customers with this tag (on the contact or the company); empty: every customer."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("business calendar"),
        help_text=_("Empty: the clock runs day and night."),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    warn_before_minutes = models.PositiveIntegerField(_("warn before a breach (minutes)"), default=60)
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalate to"),
        help_text=_("Told when a target is missed, besides the assignee."),
    )
    raise_priority = models.BooleanField(_("raise the priority on a breach"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name
