"""Offers matched to preferences: rules that pick the next best offer for a contact, and what
became of each offer made to a contact (shown, made, sent, held out, declined).

An ``OfferRule`` names what is offered (a product from the catalogue, or a free-text offer with a
link) and who it is for: any of some preferences, any of some classifications, and purchase
history as a segment rule tree (the same JSON as segments' ``rules``, see
``accord/marketing/segmenting``). The highest priority matching rule is a contact's next best offer
(``accord/marketing/selectors/offers.py``).

An ``OfferExposure`` is one rule's offer to one contact: when it was first and last shown, made or
sent, whether the contact is in the rule's hold-out group (never shown the offer, kept to measure
the uplift against), and when the contact said "not interested".
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.ids import uuid7
from accord.core.models import BaseModel


def empty_conditions() -> dict[str, object]:
    return {"match": "all", "rules": []}


class OfferRule(BaseModel):
    """When to offer what: the offer, who it is for, its priority, validity and hold-out share."""

    name = models.CharField(_("name"), max_length=200)
    product = models.ForeignKey(
        "sales.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    title = models.CharField(
        _("offer text"),
        max_length=200,
        blank=True,
        help_text=_("What the customer is offered; the product's name if empty."),
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Any of these (compared without case) in the contact's preferences; none: any contact.
    preferences = models.JSONField(_("preferences"), default=list, blank=True)
    # Any of these classifications (compared without case); none: any contact.
    classifications = models.JSONField(_("classifications"), default=list, blank=True)
    # A segment rule tree: {"match": "all"|"any", "rules": [...]}.
    conditions = models.JSONField(_("conditions"), default=empty_conditions, blank=True)
    priority = models.IntegerField(_("priority"), default=0, help_text=_("The higher wins."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    holdout_percent = models.PositiveSmallIntegerField(
        _("hold-out share (%)"), default=0, help_text=_("Matching contacts never offered this, to measure the uplift.")
    )
    repurchase_days = models.PositiveIntegerField(
        _("not after a purchase for (days)"),
        default=90,
        help_text=_("No offer of the product to someone who bought it within this many days."),
    )
    conversion_days = models.PositiveIntegerField(
        _("conversion window (days)"),
        default=30,
        help_text=_("A won deal or a paid invoice for the product this many days after the offer counts."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude

    class Meta:
        ordering = ["-priority", "name", "id"]
        verbose_name = _("offer rule")
        verbose_name_plural = _("offer rules")
        constraints = [
            models.CheckConstraint(condition=models.Q(holdout_percent__lte=50), name="offer_rule_holdout_max"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def offer_name(self) -> str:
        if self.title:
            return self.title
        return self.product.name if self.product_id and self.product else self.name


class ExposureKind(models.TextChoices):
    SHOWN = "shown", _("Offer shown")
    MADE = "made", _("Offer made")
    SENT = "sent", _("Offer sent")
    HELD_OUT = "held_out", _("Held out")
    DECLINED = "declined", _("Not interested")


class OfferExposure(models.Model):
    """One rule's offer to one contact (one row per rule and contact)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    rule = models.ForeignKey(OfferRule, on_delete=models.CASCADE, related_name="exposures")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+")
    held_out = models.BooleanField(default=False)
    # The first showing, making or sending (or the first time a held-out contact would have been
    # offered it): conversions are counted from here.
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    last_kind = models.CharField(max_length=10, choices=ExposureKind.choices)
    made_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    audit_exclude: ClassVar[frozenset[str]] = frozenset({"id"})

    class Meta:
        verbose_name = _("offer to a contact")
        verbose_name_plural = _("offers to contacts")
        constraints = [models.UniqueConstraint(fields=["rule", "contact"], name="offer_exposure_unique")]
        indexes = [models.Index(fields=["contact", "rule"], name="offer_exposure_contact_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} to {self.contact_id}"
