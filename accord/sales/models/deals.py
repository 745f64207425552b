"""Deals: opportunities moving through a pipeline, their product lines and their stage history."""

from __future__ import annotations

import decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.ids import uuid7
from accord.core.models import BaseModel, OwnedModel
from accord.core.units import unit_label
from accord.sales.defaults import label as default_label
from accord.sales.models.leads import LeadSource
from accord.sales.models.pipelines import Pipeline, Stage

ZERO = decimal.Decimal("0")
HUNDRED = decimal.Decimal(100)
CENT = decimal.Decimal("0.01")


class LineAmounts:
    """Net, VAT and gross of a priced line (``quantity``, ``unit_price``, ``discount_percent``,
    ``vat_rate``), each rounded to the cent as an invoice line is."""

    quantity: decimal.Decimal
    unit_price: decimal.Decimal
    discount_percent: decimal.Decimal
    vat_rate: decimal.Decimal

    @property
    def net(self) -> decimal.Decimal:
        value = self.quantity * self.unit_price * (HUNDRED - self.discount_percent) / HUNDRED
        return value.quantize(CENT, rounding=decimal.ROUND_HALF_UP)

    @property
    def vat(self) -> decimal.Decimal:
        return (self.net * self.vat_rate / HUNDRED).quantize(CENT, rounding=decimal.ROUND_HALF_UP)

    @property
    def gross(self) -> decimal.Decimal:
        return self.net + self.vat


class DealStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("deal status", "Open")
    WON = "won", pgettext_lazy("deal status", "Won")
    LOST = "lost", pgettext_lazy("deal status", "Lost")


class AmountSource(models.TextChoices):
    """Where a deal's amount comes from: typed by a person, or the net total of its product lines."""

    MANUAL = "manual", _("As typed")
    LINES = "lines", _("The lines' total")


class LostReason(BaseModel):
    """Why deals are lost ("price", "went with a competitor"), for the win/loss analysis."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return default_label(self.name)


class Deal(OwnedModel):
    """A chance to sell: an amount, a pipeline stage, a company and its people."""

    name = models.CharField(_("name"), max_length=200)
    pipeline = models.ForeignKey(
        Pipeline,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=pgettext_lazy("sales pipeline", "pipeline"),
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage"))
    # Denormalised from the stage (open/won/lost) so lists, the board and the forecast filter on it.
    status = models.CharField(_("status"), max_length=4, choices=DealStatus.choices, default=DealStatus.OPEN)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=ZERO)
    # A typed amount stays when product lines come and go, until someone chooses the lines' total.
    amount_source = models.CharField(
        _("amount from"), max_length=6, choices=AmountSource.choices, default=AmountSource.MANUAL
    )
    currency = models.CharField(_("currency"), max_length=3)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=0)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    company = models.ForeignKey(
        "people.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("company"),
    )
    # The partner company that brought the deal (a lead registered in the portal).
    partner = models.ForeignKey(
        "people.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_deals",
        verbose_name=_("partner"),
    )
    contacts = models.ManyToManyField(
        "people.Contact", through="DealContact", related_name="deals", blank=True, verbose_name=_("contacts")
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Where the deal came from: a converted lead's source (blank for deals entered by hand).
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, on_delete=models.PROTECT, null=True, blank=True, related_name="deals", verbose_name=_("lost reason")
    )
    lost_note = models.CharField(_("why it was lost"), max_length=300, blank=True)
    # Order of the card within its board column; gaps let a move write one row.
    position = models.FloatField(default=0, editable=False)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, editable=False)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"search_text", "position", "last_activity_at"}

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["pipeline", "stage", "position", "id"], name="deal_board_idx", condition=Q(status="open")
            ),
            models.Index(fields=["pipeline", "team", "stage"], name="deal_board_team_idx", condition=Q(status="open")),
            # The board's columns list cards soonest close first, for the whole pipeline or one team.
            models.Index(
                fields=["pipeline", "stage", "expected_close", "id"],
                name="deal_board_close_idx",
                condition=Q(status="open"),
            ),
            models.Index(
                fields=["pipeline", "team", "stage", "expected_close", "id"],
                name="deal_board_team_close_idx",
                condition=Q(status="open"),
            ),
            # A team's column totals read from the index alone (no visit to 30,000 rows of a big team);
            # the status is in it too, for SQLite, which checks the condition against the index row.
            models.Index(
                fields=["pipeline", "team", "stage", "currency", "amount", "probability", "status"],
                name="deal_board_team_totals_idx",
                condition=Q(status="open"),
            ),
            models.Index(fields=["status", "expected_close"], name="deal_forecast_idx"),
            models.Index(fields=["-updated_at", "-id"], name="deal_updated_idx"),
            models.Index(fields=["expected_close", "id"], name="deal_close_idx"),
        ]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")

    def __str__(self) -> str:
        return self.name

    @property
    def weighted_amount(self) -> decimal.Decimal:
        return (self.amount * self.probability / 100).quantize(decimal.Decimal("0.01"))


class DealContact(models.Model):
    """A person involved in a deal, and their part in it (decision maker, user, purchaser)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="deal_links")
    role = models.CharField(_("role"), max_length=80, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deal", "contact"], name="deal_contact_unique")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.deal_id}"


class DealLine(LineAmounts, models.Model):
    """A product (or a free-text item) on a deal, with its quantity, price, discount and VAT rate."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("sales.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=decimal.Decimal("1"))
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=ZERO)
    vat_rate = models.DecimalField(_("VAT (%)"), max_digits=5, decimal_places=2, default=ZERO)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def unit_label(self) -> str:
        """The unit in the reader's language ("szt." for "pcs" in Polish)."""
        return unit_label(self.unit)


class DealStageChange(models.Model):
    """Every move of a deal between stages: who, when, from where, to where, and for how much."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    probability = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [
            models.Index(fields=["deal", "changed_at"], name="stage_change_deal_idx"),
            models.Index(fields=["to_stage", "changed_at"], name="stage_change_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} -> {self.to_stage_id}"
