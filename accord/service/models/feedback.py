"""Customer satisfaction (CSAT): when a ticket is resolved, the customer is mailed one survey with a
private link; on a public page they rate the help from 1 to 5 and may write a comment.

The link's token is random and only its SHA-256 is kept, so the database alone cannot answer a
survey. A survey is answered once (a second visit shows the answer given) and cannot be answered
after ``SURVEY_DAYS`` days. It keeps the agent and the queue the ticket had when it was resolved,
so the report counts the answer for whoever did the work even if the ticket moves later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel

# How long a survey link can be answered, from the day it was sent.
SURVEY_DAYS = 30
SCORE_MIN, SCORE_MAX = 1, 5


class SatisfactionSurvey(BaseModel):
    """The survey of one resolved ticket, and the customer's answer once given."""

    ticket = models.OneToOneField(
        "service.Ticket", on_delete=models.CASCADE, related_name="survey", verbose_name=_("ticket")
    )
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("contact"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    queue = models.ForeignKey(
        "service.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("queue")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"))
    outbox_message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["sent_at"], name="service_survey_sent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="service_survey_score_range",
            ),
        ]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self) -> str:
        return f"#{self.ticket.number}: {self.score or '—'}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None
