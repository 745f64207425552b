"""Customer lifetime value and churn risk: the BG/NBD and Gamma-Gamma fits and each customer's
figures from them.

``LifetimeFit`` keeps one row per run (the fitted parameters, or why there are none), so a
change in the customer base shows as a change in the parameters over the nights.
``CustomerLifetime`` holds one row per customer with a counted order, rewritten whole by
``services.lifetime.estimate`` after each classification (apart from the people tables for the
same reason as ``CustomerClass``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FitOutcome(models.TextChoices):
    FITTED = "fitted", pgettext_lazy("lifetime fit", "Fitted")
    NOT_ENOUGH_HISTORY = "not_enough_history", pgettext_lazy("lifetime fit", "Not enough history")
    NOT_CONVERGED = "not_converged", pgettext_lazy("lifetime fit", "Did not converge")


class ChurnRisk(models.TextChoices):
    LOW = "low", pgettext_lazy("churn risk", "Low")
    MEDIUM = "medium", pgettext_lazy("churn risk", "Medium")
    HIGH = "high", pgettext_lazy("churn risk", "High")


# Churn risk bands of P(alive): below 0.3 the customer is more likely gone than not by a wide
# margin; 0.7 and above, likely still buying.
HIGH_BELOW = 0.3
LOW_FROM = 0.7


class LifetimeFit(models.Model):
    """One fit of the BG/NBD (purchases and dropout) and Gamma-Gamma (order value) models over
    the customers' purchase history up to ``as_of``. Parameters are null when the outcome is not
    ``fitted`` (too few customers or repeat buyers, or the likelihood did not converge)."""

    as_of = models.DateField(_("as of"))
    fitted_at = models.DateTimeField(_("fitted at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=FitOutcome.choices)
    time_unit = models.CharField(_("time unit"), max_length=10, default="weeks")
    customers = models.PositiveIntegerField(_("customers"))
    repeat_customers = models.PositiveIntegerField(_("repeat customers"))
    # BG/NBD (Fader, Hardie & Lee 2005): purchase rate ~ Gamma(r, alpha), dropout ~ Beta(a, b).
    r = models.FloatField(null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    a = models.FloatField(null=True, blank=True)
    b = models.FloatField(null=True, blank=True)
    bgnbd_log_likelihood = models.FloatField(_("BG/NBD log-likelihood"), null=True, blank=True)
    bgnbd_converged = models.BooleanField(_("BG/NBD converged"), default=False)
    # Gamma-Gamma: order value ~ Gamma(p, nu), nu ~ Gamma(q, gamma); gamma is the scale.
    p = models.FloatField(null=True, blank=True)
    q = models.FloatField(null=True, blank=True)
    gamma = models.FloatField(null=True, blank=True)
    gamma_gamma_log_likelihood = models.FloatField(_("Gamma-Gamma log-likelihood"), null=True, blank=True)
    gamma_gamma_converged = models.BooleanField(_("Gamma-Gamma converged"), default=False)
    seconds = models.FloatField(_("seconds taken"))

    class Meta:
        verbose_name = _("lifetime fit")
        verbose_name_plural = _("lifetime fits")
        ordering = ["-fitted_at"]

    def __str__(self) -> str:
        return f"{self.as_of} {self.outcome}"


class CustomerLifetime(models.Model):
    """One customer's purchase summary (the BG/NBD's x, t_x and T, in weeks from the first
    purchase) and what the fit of the same run makes of it: the probability it is still a
    customer, its purchases expected in the next twelve months and their discounted value."""

    contact = models.OneToOneField(
        "people.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lifetime",
        verbose_name=_("contact"),
    )
    company = models.OneToOneField(
        "people.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lifetime",
        verbose_name=_("company"),
    )
    as_of = models.DateField(_("as of"))
    # Repeat purchases: the days with a purchase after the first one.
    frequency = models.PositiveIntegerField(_("repeat purchases"))
    recency = models.FloatField(_("recency (weeks)"))  # t_x: first purchase to last
    age = models.FloatField(_("age (weeks)"))  # T: first purchase to as_of
    # The mean value of a repeat purchase day, base currency; null without a repeat purchase.
    mean_order_value = models.DecimalField(
        _("mean repeat order value"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    # Margin over revenue of all counted orders; null when no line had a known cost (CLV on revenue).
    margin_ratio = models.FloatField(_("margin ratio"), null=True, blank=True)
    p_alive = models.FloatField(_("probability alive"))
    expected_purchases = models.FloatField(_("expected purchases in 12 months"))
    expected_order_value = models.DecimalField(
        _("expected order value"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    clv = models.DecimalField(_("CLV over 12 months"), max_digits=16, decimal_places=2, null=True, blank=True)
    churn_risk = models.CharField(_("churn risk"), max_length=6, choices=ChurnRisk.choices)

    class Meta:
        verbose_name = _("customer lifetime value")
        verbose_name_plural = _("customer lifetime values")
        indexes = [models.Index(fields=["churn_risk"], name="custlife_churn_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=True, company__isnull=False)
                | Q(contact__isnull=False, company__isnull=True),
                name="custlife_one_customer",
            ),
            models.CheckConstraint(condition=Q(p_alive__range=(0, 1)), name="custlife_p_alive_0_1"),
        ]

    def __str__(self) -> str:
        return f"P(alive) {self.p_alive:.2f} {self.churn_risk} CLV {self.clv}"
