"""Text messages customers send back: each lands on the timeline of the contacts with that
number, and a reply of STOP (in any of the customers' languages) puts the number on the
suppression list at once, so withdrawing by SMS is as easy as the message that asked.

The SMS gateway posts each received message to ``/marketing/sms/inbound/`` (see
``views/public.py``); a gateway that posts the same message again (its id given) changes nothing
the second time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.marketing.models import ConsentChannel, SuppressionReason
from accord.marketing.services.consent import normalize_address, suppress

TEXT_MAX = 2000
# Replies that mean "no more messages", compared without case, accents or punctuation.
STOP_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "stop all",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "rezygnuje",  # pl: rezygnuję
        "wypisz",
        "nie",
        "atsisakyti",  # lt
        "atsisakau",
        "dezabonare",  # ro
        "dezabonez",
        "стоп",  # ru
        "отписаться",
        "отписка",
    }
)
CONTACTS_MAX = 20


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^\w\s]", " ", without_marks.casefold())
    return " ".join(words.split())


def is_stop(text: str) -> bool:
    """Whether a reply asks for no more messages: the whole reply is one of the stop words."""
    plain = _plain(text)
    return plain in STOP_WORDS or plain.replace("й", "и") in STOP_WORDS


@dataclass
class Received:
    phone: str
    stopped: bool
    contact_ids: list[Any] = field(default_factory=list)
    duplicate: bool = False


def receive(*, sender: Any, text: Any, external_id: Any = "") -> Received:
    """Record a text message from ``sender``; ValidationError naming the field for bad input."""
    from accord.activities import services as activities
    from accord.activities.models import Interaction
    from accord.people.models import Contact, PhoneNumber

    errors: dict[str, list[str]] = {}
    phone = ""
    try:
        phone = normalize_address(channel=ConsentChannel.SMS, address=str(sender or ""))
    except ValidationError as exc:
        errors["from"] = exc.messages
    body = str(text or "").strip()
    if not body:
        errors["text"] = [_("This field is required.")]
    elif len(body) > TEXT_MAX:
        errors["text"] = [_("At most %(max)d characters.") % {"max": TEXT_MAX}]
    reference = str(external_id or "").strip()[:100]
    if errors:
        raise ValidationError(errors)
    key = f"sms-in:{reference}" if reference else ""
    stopped = is_stop(body)
    with transaction.atomic():
        if key and Interaction.objects.filter(external_id=key).exists():
            return Received(phone=phone, stopped=stopped, duplicate=True)
        listed = PhoneNumber.objects.filter(number=phone, contact__isnull=False).values("contact_id")
        contacts = list(
            Contact.objects.filter(pk__in=listed).order_by("-updated_at", "pk")[:CONTACTS_MAX]
            if listed.exists()
            else Contact.objects.filter(primary_phone=phone).order_by("-updated_at", "pk")[:CONTACTS_MAX]
        )
        if contacts:
            # Written as the contact's owner's: the one whose customer answered.
            activities.log_interaction(
                actor=contacts[0].owner,
                data={
                    "channel": "sms",
                    "direction": "in",
                    "subject": body.splitlines()[0][:200],
                    "body": body,
                    "contact": contacts[0],
                    "participants": contacts[1:],
                    "external_id": key or None,
                },
            )
        if stopped:
            suppress(
                channel=ConsentChannel.SMS,
                address=phone,
                reason=SuppressionReason.UNSUBSCRIBED,
                source=_("Replied “%(text)s” by SMS") % {"text": body[:40]},
            )
    return Received(phone=phone, stopped=stopped, contact_ids=[c.pk for c in contacts])
