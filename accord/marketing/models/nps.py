"""Net Promoter Score surveys: one question ("How likely are you to recommend us?", 0 to 10) and a
comment, e-mailed to the consenting members of a segment, answered on a public page.

Each recipient gets a response row with a random token (only its SHA-256 is kept); the score is
filled when they answer. NPS = % promoters (9 to 10) - % detractors (0 to 6) of the answers.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel, OwnedModel

SCORE_MIN, SCORE_MAX = 0, 10
PROMOTER_FROM, DETRACTOR_TO = 9, 6
# How long a survey's links can be answered, from the day it was sent.
NPS_DAYS = 30


class NpsStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")


class NpsSurvey(OwnedModel):
    """An NPS survey to a segment: a draft until sent, once."""

    name = models.CharField(_("name"), max_length=200)
    segment = models.ForeignKey(
        "marketing.Segment", on_delete=models.PROTECT, related_name="+", verbose_name=_("segment")
    )
    purpose = models.CharField(_("consent purpose"), max_length=20, default="newsletter")
    # Empty: the standard question, in each recipient's language.
    question = models.CharField(_("question"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=NpsStatus.choices, default=NpsStatus.DRAFT)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("NPS survey")
        verbose_name_plural = _("NPS surveys")

    def __str__(self) -> str:
        return self.name


class NpsResponse(BaseModel):
    """One recipient of an NPS survey, and their answer once given."""

    survey = models.ForeignKey(
        NpsSurvey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("NPS survey")
    )
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("contact"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    sent_at = models.DateTimeField(_("sent"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "contact"], name="nps_one_response_per_contact"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="nps_score_range",
            ),
        ]
        verbose_name = _("NPS response")
        verbose_name_plural = _("NPS responses")

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.score}"
