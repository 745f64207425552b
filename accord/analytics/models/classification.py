"""A customer's classification: RFM scores and segment, ABC classes by revenue and by margin.

One row per customer (a company, or a contact who bought without a company), rewritten whole by
``services.classification.classify`` every night. It is kept apart from the contacts' and
companies' own tables so that a nightly run rewrites this narrow table rather than a million
people rows (their ``updated_at``, ``version`` and audit stay untouched). A customer with no order
in the twelve months before ``as_of`` has no row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.analytics.models.costs import ValueClass


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", pgettext_lazy("RFM segment", "Champions")
    LOYAL = "loyal", pgettext_lazy("RFM segment", "Loyal")
    POTENTIAL_LOYALIST = "potential_loyalist", pgettext_lazy("RFM segment", "Potential loyalist")
    NEW = "new", pgettext_lazy("RFM segment", "New")
    PROMISING = "promising", pgettext_lazy("RFM segment", "Promising")
    NEED_ATTENTION = "need_attention", pgettext_lazy("RFM segment", "Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", pgettext_lazy("RFM segment", "About to sleep")
    AT_RISK = "at_risk", pgettext_lazy("RFM segment", "At risk")
    CANNOT_LOSE = "cannot_lose", pgettext_lazy("RFM segment", "Cannot lose them")
    HIBERNATING = "hibernating", pgettext_lazy("RFM segment", "Hibernating")
    LOST = "lost", pgettext_lazy("RFM segment", "Lost")


class AbcClass(models.TextChoices):
    # The letters are the classes' names in every language; the context lets a translator say so.
    A = "A", pgettext_lazy("ABC class", "A")
    B = "B", pgettext_lazy("ABC class", "B")
    C = "C", pgettext_lazy("ABC class", "C")


class CustomerClass(models.Model):
    """The classification of one customer as of a day, with the figures it was made from."""

    contact = models.OneToOneField(
        "people.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="customer_class",
        verbose_name=_("contact"),
    )
    company = models.OneToOneField(
        "people.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="customer_class",
        verbose_name=_("company"),
    )
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"))
    # The twelve months before ``as_of``, in the base currency.
    orders = models.PositiveIntegerField(_("orders"))
    last_order_at = models.DateTimeField(_("last order"))
    revenue = models.DecimalField(_("revenue"), max_digits=16, decimal_places=2)
    margin = models.DecimalField(_("margin"), max_digits=16, decimal_places=2)
    # Lines of a catalogue product without a known unit cost: their margin is their whole revenue.
    uncosted_lines = models.PositiveIntegerField(_("lines without a cost"), default=0)
    recency = models.PositiveSmallIntegerField(_("recency score"))
    frequency = models.PositiveSmallIntegerField(_("frequency score"))
    monetary = models.PositiveSmallIntegerField(_("monetary score"))
    segment = models.CharField(_("RFM segment"), max_length=20, choices=RfmSegment.choices)
    abc_revenue = models.CharField(_("ABC by revenue"), max_length=1, choices=AbcClass.choices)
    abc_margin = models.CharField(_("ABC by margin"), max_length=1, choices=AbcClass.choices)
    # What serving the customer cost over the same twelve months (``services.cost_to_serve``):
    # discounts given (already inside the margin, shown for the record), and the costs charged at
    # the rates in ``CostRates``. Contribution = margin - cost to serve.
    discounts = models.DecimalField(_("discounts"), max_digits=16, decimal_places=2, db_default=0)
    interaction_cost = models.DecimalField(_("interactions"), max_digits=16, decimal_places=2, db_default=0)
    service_cost = models.DecimalField(_("service"), max_digits=16, decimal_places=2, db_default=0)
    collection_cost = models.DecimalField(_("collections"), max_digits=16, decimal_places=2, db_default=0)
    late_payment_cost = models.DecimalField(_("late payments"), max_digits=16, decimal_places=2, db_default=0)
    cost_to_serve = models.DecimalField(_("cost to serve"), max_digits=16, decimal_places=2, db_default=0)
    contribution = models.DecimalField(_("contribution"), max_digits=16, decimal_places=2, db_default=0)
    value_class = models.CharField(
        _("customer value"), max_length=12, choices=ValueClass.choices, db_default=ValueClass.REGULAR
    )

    class Meta:
        verbose_name = _("customer classification")
        verbose_name_plural = _("customer classifications")
        indexes = [
            # The lists' filters: a segment or a class picks its customers here.
            models.Index(fields=["segment"], name="custclass_segment_idx"),
            models.Index(fields=["abc_revenue"], name="custclass_abc_rev_idx"),
            models.Index(fields=["abc_margin"], name="custclass_abc_margin_idx"),
            models.Index(fields=["value_class"], name="custclass_value_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=True, company__isnull=False)
                | Q(contact__isnull=False, company__isnull=True),
                name="custclass_one_customer",
            ),
            models.CheckConstraint(
                condition=Q(recency__range=(1, 5), frequency__range=(1, 5), monetary__range=(1, 5)),
                name="custclass_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recency}-{self.frequency}-{self.monetary} {self.segment} {self.abc_revenue}/{self.abc_margin}"

    @property
    def rfm(self) -> str:
        return f"{self.recency}-{self.frequency}-{self.monetary}"
