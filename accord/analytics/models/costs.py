"""What serving a customer costs: the rates the classification charges per interaction, ticket,
collection step and day of late payment, kept by administrators (one row; the defaults apply until
someone saves it). Amounts are in the base currency."""

from __future__ import annotations

import decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.models import BaseModel

D = decimal.Decimal


def _rate(label: Any, default: str, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=12,
        decimal_places=2,
        default=D(default),
        validators=[MinValueValidator(D(0)), MaxValueValidator(D("1000000"))],
        **kwargs,
    )


class ValueClass(models.TextChoices):
    KEY = "key", pgettext_lazy("customer value", "Key customer")
    REGULAR = "regular", pgettext_lazy("customer value", "Regular")
    UNPROFITABLE = "unprofitable", pgettext_lazy("customer value", "Unprofitable")


class CostRates(BaseModel):
    """The cost of serving a customer, per unit. Interactions are charged per channel (a note is
    not an interaction with the customer and costs nothing); late payment costs the money tied up:
    the amount paid late times the days late times the annual financing rate over 365."""

    phone = _rate(_("phone call"), "15")
    email = _rate(_("e-mail"), "3")
    meeting = _rate(_("meeting"), "150")
    visit = _rate(_("visit"), "300")
    chat = _rate(_("chat"), "8")
    sms = _rate(_("SMS"), "1")
    letter = _rate(_("letter"), "10")
    fax = _rate(_("fax"), "5")
    web_form = _rate(_("web form"), "2")
    social = _rate(_("social media"), "3")
    ticket = _rate(_("service ticket"), "60")
    collection_email = _rate(_("reminder e-mail"), "2")
    collection_sms = _rate(_("reminder SMS"), "1")
    collection_letter = _rate(_("collection letter"), "12")
    collection_call = _rate(_("collection call"), "25")
    collection_handoff = _rate(_("hand-off to collection"), "200")
    financing_percent = models.DecimalField(
        _("annual financing rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=D("10"),
        validators=[MinValueValidator(D(0)), MaxValueValidator(D(100))],
        help_text=_("What money owed costs a year while a customer pays late."),
    )
    key_share_percent = models.PositiveSmallIntegerField(
        _("key customers' share of the contribution (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Key customers are the most profitable ones who together make this share of the contribution."),
    )

    # There is one set of rates: a second row cannot be made, even by two first saves at once.
    singleton = models.BooleanField(default=True, unique=True, editable=False)

    # The interaction channels charged, by the field that holds their rate.
    CHANNELS = ("phone", "email", "meeting", "visit", "chat", "sms", "letter", "fax", "web_form", "social")
    COLLECTION_ACTIONS = ("email", "sms", "letter", "call", "handoff")

    class Meta:
        verbose_name = _("cost-to-serve rates")
        verbose_name_plural = _("cost-to-serve rates")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
