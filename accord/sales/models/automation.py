"""Sales automation: rules that create tasks or remind owners when something happens to a deal,
or when nothing has happened for too long."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.ids import uuid7
from accord.core.models import BaseModel


class RuleTrigger(models.TextChoices):
    STAGE_ENTERED = "stage_entered", _("A deal enters a stage")
    IDLE = "idle", _("An open deal has had no interaction for some days")


class RuleAction(models.TextChoices):
    CREATE_TASK = "create_task", _("Create a task for the owner")
    NOTIFY_OWNER = "notify_owner", _("Remind the owner")


class AutomationRule(BaseModel):
    """ "When a deal enters Proposal, give its owner the task 'Send proposal', due in 2 days." """

    name = models.CharField(_("name"), max_length=120)
    trigger = models.CharField(_("when"), max_length=20, choices=RuleTrigger.choices)
    pipeline = models.ForeignKey(
        "sales.Pipeline",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("sales pipeline", "pipeline"),
    )
    stage = models.ForeignKey(
        "sales.Stage", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("stage")
    )
    idle_days = models.PositiveSmallIntegerField(_("days without interaction"), null=True, blank=True)
    action = models.CharField(_("then"), max_length=20, choices=RuleAction.choices)
    task_title = models.CharField(_("task or reminder text"), max_length=200)
    due_in_days = models.PositiveSmallIntegerField(_("task due in (days)"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")

    def __str__(self) -> str:
        return self.name


class AutomationRun(models.Model):
    """A rule's firing for one deal and occasion; the unique key makes a rule fire once per occasion
    however often the worker looks."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="runs")
    deal = models.ForeignKey("sales.Deal", on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "deal", "occasion"], name="automation_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.deal_id} {self.occasion}"
