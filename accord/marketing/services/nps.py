"""NPS surveys: written as a draft, sent once to the members of a segment who may receive
marketing e-mail for the survey's purpose (granted consent, an address, not suppressed; as a
campaign picks its recipients), answered on a public page from 0 to 10 with a comment.

Sending creates one response row per recipient, with a random token whose SHA-256 alone is kept,
and queues one e-mail each through the outbox, in the recipient's language (key
``nps:<survey>:<contact>``: a send interrupted and started again queues nobody twice). A link
answers once, within ``NPS_DAYS`` days of sending.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import Action
from accord.core.errors import check_version
from accord.identity.models import hash_token
from accord.marketing.models import ConsentChannel, ConsentPurpose, NpsResponse, NpsStatus, NpsSurvey, Segment
from accord.marketing.models.nps import NPS_DAYS, SCORE_MAX, SCORE_MIN
from accord.marketing.selectors.consent import reachable_q

if TYPE_CHECKING:
    from accord.identity.models import User

COMMENT_LIMIT = 4000


class NpsUnavailable(Exception):
    """The link names no response, or one that can no longer be answered."""

    def __init__(self, message: str, response: NpsResponse | None = None) -> None:
        self.message = message
        self.response = response
        super().__init__(message)


def standard_question() -> str:
    return _("How likely are you to recommend us to a friend or colleague?")


def question_of(survey: NpsSurvey) -> str:
    """The survey's question: its own text, or the standard one in the language active now."""
    return survey.question or standard_question()


def _clean(actor: User, survey: NpsSurvey, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    if "name" in data or survey._state.adding:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 200:
            errors["name"] = [_("At most %(limit)s characters.") % {"limit": 200}]
        survey.name = name
    if "question" in data:
        question = str(data.get("question") or "").strip()
        if len(question) > 300:
            errors["question"] = [_("At most %(limit)s characters.") % {"limit": 300}]
        survey.question = question
    if "purpose" in data:
        purpose = str(data.get("purpose") or "")
        if purpose not in (ConsentPurpose.NEWSLETTER, ConsentPurpose.OFFERS):
            errors["purpose"] = [_("Choose newsletter or offers.")]
        else:
            survey.purpose = purpose
    if "segment" in data or survey._state.adding:
        value = data.get("segment")
        found = None
        if value:
            found = access.scope(actor, Segment.objects.all()).filter(pk=str(getattr(value, "pk", value))).first()
        if found is None:
            errors["segment"] = [_("Choose a segment you can see.")]
        else:
            survey.segment = found


@transaction.atomic
def create_survey(*, actor: User, data: Mapping[str, Any]) -> NpsSurvey:
    """A new draft NPS survey of ``actor``'s."""
    access.require_create(actor)
    survey = NpsSurvey(owner=actor, team_id=actor.primary_team_id)
    errors: dict[str, list[str]] = {}
    try:
        _clean(actor, survey, data, errors)
    except (TypeError, ValueError):
        errors["segment"] = [_("Choose a segment you can see.")]
    if errors:
        raise ValidationError(errors)
    survey.save()
    changes.record_create(actor=actor, obj=survey)
    return survey


def _lock(actor: User, survey: NpsSurvey, expected_version: int | None) -> NpsSurvey:
    locked = NpsSurvey.objects.select_for_update().select_related("segment", "owner").get(pk=survey.pk)
    access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    return locked


@transaction.atomic
def send_survey(
    *, actor: User, survey: NpsSurvey, expected_version: int | None = None, now: datetime.datetime | None = None
) -> int:
    """Send the draft survey to the members of its segment who may receive marketing e-mail for
    its purpose (the owner's view of the segment); how many were sent it. Sent once."""
    from accord.marketing.selectors.segments import members
    from accord.messaging.services import queue_message
    from accord.people.selectors import customer_languages

    now = now or timezone.now()
    locked = _lock(actor, survey, expected_version)
    if locked.status != NpsStatus.DRAFT:
        raise ValidationError({"status": [_("This survey was already sent.")]})
    recipients = list(
        members(user=locked.owner, segment=locked.segment)
        .filter(reachable_q(channel=ConsentChannel.EMAIL, purpose=locked.purpose))
        .order_by("pk")
    )
    languages = customer_languages(recipients)
    for contact in recipients:
        token = secrets.token_urlsafe(32)
        language = languages.get(contact.pk, "") or settings.LANGUAGE_CODE
        NpsResponse.objects.create(
            survey=locked, contact=contact, token_hash=hash_token(token), language=language, sent_at=now
        )
        link = f"{settings.ACCORD_BASE_URL}{reverse('marketing:nps', args=[token])}"
        with translation.override(language):
            subject = _("One question: would you recommend us?")
            body = "\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": contact.full_name},
                    question_of(locked),
                    _("Answer from 0 (not at all likely) to 10 (extremely likely) on this page:"),
                    link,
                    _("The link works for %(days)s days. Thank you!") % {"days": NPS_DAYS},
                ]
            )
        queue_message(
            actor=actor,
            channel="email",
            to=contact.primary_email,
            subject=subject,
            body=body,
            idempotency_key=f"nps:{locked.pk}:{contact.pk}",
            kind="nps_survey",
            language=language,
            contact=contact,
            related=locked,
        )
    before = changes.snapshot(locked)
    locked.status = NpsStatus.SENT
    locked.sent_at = now
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    survey.refresh_from_db()
    return len(recipients)


def read_response(token: str, *, now: datetime.datetime | None = None) -> NpsResponse:
    """The response a link is for; ``NpsUnavailable`` when the link names none, or it expired
    unanswered."""
    now = now or timezone.now()
    response = (
        NpsResponse.objects.select_related("survey", "contact").filter(token_hash=hash_token(str(token or ""))).first()
    )
    if response is None:
        raise NpsUnavailable(_("This survey link is not valid."))
    if response.answered_at is None and now >= response.sent_at + datetime.timedelta(days=NPS_DAYS):
        raise NpsUnavailable(
            _("This survey has closed: it could be answered for %(days)s days.") % {"days": NPS_DAYS}, response
        )
    return response


def answer(*, token: str, score: Any, comment: Any = "", now: datetime.datetime | None = None) -> NpsResponse:
    """The recipient's answer, 0 to 10 and an optional comment, taken once; bad input raises
    ``ValidationError`` naming the field and stores nothing."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        found: int | None = int(str(score).strip())
    except (TypeError, ValueError):
        found = None
    if found is None or not SCORE_MIN <= found <= SCORE_MAX:
        errors["score"] = [_("Choose a score from %(low)s to %(high)s.") % {"low": SCORE_MIN, "high": SCORE_MAX}]
    text = str(comment or "").strip()
    if len(text) > COMMENT_LIMIT:
        errors["comment"] = [_("At most %(limit)s characters.") % {"limit": COMMENT_LIMIT}]
    with transaction.atomic():
        response = read_response(token, now=now)
        response = NpsResponse.objects.select_for_update().select_related("survey", "contact").get(pk=response.pk)
        if response.answered_at is not None:
            raise NpsUnavailable(_("You have already answered this survey. Thank you!"), response)
        if errors:
            raise ValidationError(errors)
        response.score = found
        response.comment = text
        response.answered_at = now
        response.version += 1
        response.save()
    return response
