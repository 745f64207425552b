"""Automatic greetings: the rules a marketer sets up, and one row per greeting sent.

A rule says which occasion (a birthday, a name day, a public holiday, a company's or a customer's
anniversary) is greeted, on which channel, with which words per language and at what local time.
Each greeting made is a ``Greeting`` row, unique per contact, occasion and year: a run that
comes twice, or two runs at once, greet nobody twice.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.ids import uuid7
from accord.core.models import BaseModel


class Occasion(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    NAME_DAY = "name_day", _("Name day")
    HOLIDAY = "holiday", _("Public holiday")
    COMPANY_ANNIVERSARY = "company_anniversary", _("Company anniversary")
    CUSTOMER_ANNIVERSARY = "customer_anniversary", _("Customer anniversary")


class GreetingChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


def default_send_at() -> datetime.time:
    return datetime.time(9, 0)


# The default rules' names in the reader's language; a rule an administrator renamed keeps its own.
DEFAULT_RULE_NAMES = {
    "Birthday wishes": _("Birthday wishes"),
    "Name-day wishes": _("Name-day wishes"),
    "New Year and Christmas": _("New Year and Christmas"),
    "Company anniversary": _("Company anniversary"),
    "Customer anniversary": _("Customer anniversary"),
}


class GreetingRule(BaseModel):
    """What is greeted, how and when: an occasion, a channel, the texts per language (``texts``:
    ``{"pl": {"subject": ..., "body": ...}, ...}``) and the contact's local time to send at."""

    name = models.CharField(_("name"), max_length=120)
    occasion = models.CharField(_("occasion"), max_length=30, choices=Occasion.choices)
    # Public holidays only: the holidays greeted, by their English names as the ``holidays``
    # library gives them ("Christmas Day"); empty: every public holiday.
    holidays = models.JSONField(_("holidays"), default=list, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=GreetingChannel.choices)
    texts = models.JSONField(_("texts"), default=dict, blank=True)
    send_at = models.TimeField(_("local time to send"), default=default_send_at)
    enabled = models.BooleanField(_("enabled"), default=False)

    class Meta:
        ordering = ["occasion", "name"]
        verbose_name = _("greeting rule")
        verbose_name_plural = _("greeting rules")

    @property
    def shown_name(self) -> str:
        """The name in the reader's language when it is a default rule's, as it is otherwise."""
        return str(DEFAULT_RULE_NAMES.get(self.name, self.name))

    def __str__(self) -> str:
        return self.name

    def text(self, language: str) -> dict[str, str] | None:
        found: Any = self.texts.get(language)
        return found if isinstance(found, dict) and found.get("body") else None


class Greeting(models.Model):
    """One greeting made: a contact, an occasion in a year, and the message queued for it."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    rule = models.ForeignKey(GreetingRule, on_delete=models.SET_NULL, null=True, related_name="greetings")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(_("occasion"), max_length=30, choices=Occasion.choices)
    # What is greeted within the year: "birthday", "name_day", "holiday:Christmas Day"...
    occasion_key = models.CharField(max_length=120)
    year = models.PositiveSmallIntegerField()
    occasion_date = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=10, choices=GreetingChannel.choices)
    language = models.CharField(_("language"), max_length=5)
    message = models.ForeignKey("messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Why no message went out (the outbox refused the contact's address).
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "occasion_key", "year"], name="greeting_once_a_year"),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="greeting_recent_idx"),
            models.Index(fields=["occasion_key", "year"], name="greeting_key_year_idx"),
        ]
        verbose_name = _("greeting")
        verbose_name_plural = _("greetings")

    def __str__(self) -> str:
        return f"{self.occasion_key} {self.year}: {self.contact_id}"
