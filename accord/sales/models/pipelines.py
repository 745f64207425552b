"""Pipelines and their ordered stages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.models import BaseModel
from accord.sales.defaults import label as default_label


class Pipeline(BaseModel):
    """A sales process ("New business", "Renewals") through which deals move stage by stage."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = pgettext_lazy("sales pipeline", "pipeline")
        verbose_name_plural = pgettext_lazy("sales pipeline", "pipelines")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language when it is one of the defaults; an admin's own as typed."""
        return default_label(self.name)


class StageKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("stage kind", "Open")
    WON = "won", pgettext_lazy("stage kind", "Won")
    LOST = "lost", pgettext_lazy("stage kind", "Lost")


class Stage(BaseModel):
    """A step of a pipeline, with the chance that a deal standing here is won."""

    pipeline = models.ForeignKey(
        Pipeline,
        on_delete=models.CASCADE,
        related_name="stages",
        verbose_name=pgettext_lazy("sales pipeline", "pipeline"),
    )
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=0)
    kind = models.CharField(_("kind"), max_length=4, choices=StageKind.choices, default=StageKind.OPEN)

    class Meta:
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name"),
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="stage_probability_percent"),
        ]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language when it is one of the defaults; an admin's own as typed."""
        return default_label(self.name)

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.OPEN
