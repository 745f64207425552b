"""Customer satisfaction surveys (CSAT): one e-mail per resolved ticket, answered on a public page.

``survey_resolved`` is called by the ticket services when a ticket leaves the open statuses as
resolved or closed. It queues the survey once per ticket (a ticket reopened and resolved again is
not asked a second time), only when the ticket's queue sends surveys and the customer has an
e-mail address. The e-mail is written in the customer's language and carries a link with a random
token; only the token's SHA-256 is stored.

``answer_survey`` takes the customer's score (1 to 5) and comment once, within ``SURVEY_DAYS``
days of sending; the answer is put on the customer's timeline, linked to the ticket.
"""

from __future__ import annotations

import datetime
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.activities.models import InteractionChannel
from accord.activities.services import log_interaction
from accord.identity.models import hash_token
from accord.messaging.services.outbox import queue_message
from accord.people.selectors import customer_language
from accord.service.models import SatisfactionSurvey
from accord.service.models.feedback import SCORE_MAX, SCORE_MIN, SURVEY_DAYS

if TYPE_CHECKING:
    from accord.service.models import Ticket

COMMENT_LIMIT = 4000


class SurveyUnavailable(Exception):
    """The link names no survey, or one that can no longer be answered; ``message`` says which."""

    def __init__(self, message: str, survey: SatisfactionSurvey | None = None) -> None:
        self.message = message
        self.survey = survey
        super().__init__(message)


def survey_url(token: str) -> str:
    """The survey page's address as the customer reaches it from outside."""
    return f"{settings.ACCORD_BASE_URL}{reverse('service:survey', args=[token])}"


def expires_at(survey: SatisfactionSurvey) -> datetime.datetime:
    return survey.sent_at + datetime.timedelta(days=SURVEY_DAYS)


def survey_resolved(ticket: Ticket, *, now: datetime.datetime) -> SatisfactionSurvey | None:
    """Queue the satisfaction survey of ``ticket``, just resolved: once per ticket, if its queue
    sends surveys and the customer has an e-mail address. Returns the survey queued, or None."""
    queue = ticket.queue
    address = ticket.contact.primary_email
    if not queue.send_surveys or not address or ticket.merged_into_id is not None:
        return None
    if SatisfactionSurvey.objects.filter(ticket=ticket).exists():
        return None
    token = secrets.token_urlsafe(32)
    survey = SatisfactionSurvey.objects.create(
        ticket=ticket,
        contact=ticket.contact,
        agent=ticket.assignee,
        queue=queue,
        token_hash=hash_token(token),
        sent_at=now,
    )
    language = customer_language(contact=ticket.contact)
    link = survey_url(token)
    with translation.override(language):
        subject = _("How did we do? %(reference)s") % {"reference": ticket.reference}
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": ticket.contact.full_name},
                _("your request “%(subject)s” was resolved. How satisfied are you with our help?")
                % {"subject": ticket.subject},
                _("Please rate it from 1 to 5 and tell us what we could do better (it takes a minute):"),
                link,
                _("The link works for %(days)s days. Thank you!") % {"days": SURVEY_DAYS},
            ]
        )
    survey.outbox_message = queue_message(
        actor=None,
        channel="email",
        to=address,
        subject=subject,
        body=body,
        idempotency_key=f"ticket-survey:{ticket.pk}",
        kind="ticket_survey",
        language=language,
        contact=ticket.contact,
        company=ticket.company,
        related=ticket,
        reply_to=queue.email,
    )
    survey.save(update_fields=["outbox_message"])
    return survey


def read_survey(token: str, *, now: datetime.datetime | None = None) -> SatisfactionSurvey:
    """The survey a link is for; ``SurveyUnavailable`` when the link names none or it expired
    unanswered (an answered survey is returned, to show the answer)."""
    now = now or timezone.now()
    survey = (
        SatisfactionSurvey.objects.select_related("ticket", "contact")
        .filter(token_hash=hash_token(str(token or "")))
        .first()
    )
    if survey is None:
        raise SurveyUnavailable(_("This survey link is not valid."))
    if not survey.answered and now >= expires_at(survey):
        raise SurveyUnavailable(
            _("This survey has closed: it could be answered for %(days)s days.") % {"days": SURVEY_DAYS}, survey
        )
    return survey


def _score(value: Any, errors: dict[str, list[str]], low: int, high: int) -> int | None:
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        score = None
    if score is None or not low <= score <= high:
        errors["score"] = [_("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}]
        return None
    return score


def answer_survey(
    *, token: str, score: Any, comment: Any = "", now: datetime.datetime | None = None
) -> SatisfactionSurvey:
    """The customer's answer: a score from 1 to 5 and an optional comment, taken once. Bad input
    raises ``ValidationError`` naming the field; an unknown, expired or answered survey
    ``SurveyUnavailable``. Nothing is stored unless everything is right."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    found = _score(score, errors, SCORE_MIN, SCORE_MAX)
    text = str(comment or "").strip()
    if len(text) > COMMENT_LIMIT:
        errors["comment"] = [_("At most %(limit)s characters.") % {"limit": COMMENT_LIMIT}]
    with transaction.atomic():
        survey = read_survey(token, now=now)
        survey = SatisfactionSurvey.objects.select_for_update().select_related("ticket", "contact").get(pk=survey.pk)
        if survey.answered:
            raise SurveyUnavailable(_("You have already answered this survey. Thank you!"), survey)
        if errors:
            raise ValidationError(errors)
        survey.score = found
        survey.comment = text
        survey.answered_at = now
        survey.version += 1
        survey.save()
        ticket = survey.ticket
        subject = _("Satisfaction survey #%(number)s: %(score)s of 5") % {"number": ticket.number, "score": found}
        log_interaction(
            actor=survey.contact.owner,  # as the customer's messages are: on their owner's timeline
            data={
                "channel": InteractionChannel.WEB_FORM,
                "occurred_at": now,
                "subject": subject[:200],
                "body": text,
                "contact": survey.contact,
                "company": ticket.company,
            },
            related=ticket,
        )
    return survey
