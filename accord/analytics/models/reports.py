"""Saved reports: a pivot's definition under a name, shared with roles, optionally mailed on a
schedule.

The definition is the JSON form of ``selectors.pivot.Definition``, checked by the services on every
save; it is read back through the same check for whoever opens it, so a report shared with a role
that may not see amounts shows that role an error rather than the amounts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel


class Frequency(models.TextChoices):
    NONE = "", _("Not scheduled")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ReportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")
    PDF = "pdf", _("PDF")


class Report(BaseModel):
    """A saved pivot. Its owner (or an administrator) changes it; users whose role it is shared
    with see it; a scheduled report is mailed to its recipients as its owner would see it."""

    name = models.CharField(_("name"), max_length=120)
    entity = models.CharField(_("entity"), max_length=40)
    definition = models.JSONField(_("definition"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner")
    )
    shared_with = models.ManyToManyField(
        "identity.Role", blank=True, related_name="+", verbose_name=_("shared with roles")
    )
    frequency = models.CharField(
        _("schedule"), max_length=10, choices=Frequency.choices, default=Frequency.NONE, blank=True
    )
    delivery_format = models.CharField(
        _("format"), max_length=10, choices=ReportFormat.choices, default=ReportFormat.XLSX
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("recipients")
    )
    next_delivery_at = models.DateTimeField(_("next delivery"), null=True, blank=True)
    last_delivered_at = models.DateTimeField(_("last delivered"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [models.Index(fields=["next_delivery_at"], name="analytics_report_due")]

    def __str__(self) -> str:
        return self.name


class ReportDelivery(models.Model):
    """One scheduled mailing of a report: when it was due, in which format, to how many people."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    due_at = models.DateTimeField(_("due"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    delivery_format = models.CharField(_("format"), max_length=10, choices=ReportFormat.choices)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        constraints = [models.UniqueConstraint(fields=["report", "due_at"], name="analytics_delivery_once")]

    def __str__(self) -> str:
        return f"{self.report} {self.due_at:%Y-%m-%d %H:%M}"
