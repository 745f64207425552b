"""Greetings: the rules' changes, and the run that greets.

``run`` is what the scheduler calls every quarter of an hour. For each enabled rule it finds the
contacts whose local time has reached the rule's hour on the day of their occasion (in SQL, see
``selectors.greetings``), and in chunks, each one transaction, writes a ``Greeting`` row per
contact and queues their messages through the outbox. Exactly once: a contact's greeting for an
occasion in a year is a unique row, the chunk takes the rule's row lock before it looks which of
its contacts are greeted already (two runs at once wait for each other, and the second finds the
first's rows), and the message's idempotency key is the same greeting's.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.core import bulk, changes, languages
from accord.core.access import AccessDenied
from accord.core.errors import Conflict
from accord.core.events import emit
from accord.core.ids import uuid7
from accord.marketing import greeting_texts, holidays_calendar, zones
from accord.marketing.events import GreetingsSent
from accord.marketing.models import Greeting, GreetingChannel, GreetingRule, Occasion
from accord.marketing.selectors import greetings as selectors
from accord.marketing.services.consent import may_send_many

if TYPE_CHECKING:
    from accord.identity.models import User
    from accord.people.models import Contact

log = logging.getLogger(__name__)

CHUNK = 2000
LANGUAGE_CODES = ("en", "pl", "lt", "ro", "ru")


# --- rules --------------------------------------------------------------------------------


def _require(actor: User | None) -> None:
    if actor is not None and not selectors.may_manage(actor):
        raise AccessDenied()


def _clean(data: Mapping[str, Any], rule: GreetingRule | None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    current = rule or GreetingRule()

    def given(name: str, default: Any) -> Any:
        return data.get(name, default)

    name = str(given("name", current.name) or "").strip()
    if not name or len(name) > 120:
        errors["name"] = [_("Enter a name of 1 to 120 characters.")]
    values["name"] = name
    occasion = str(given("occasion", current.occasion) or "")
    if occasion not in Occasion.values:
        errors["occasion"] = [_("Choose one of the occasions.")]
    values["occasion"] = occasion
    channel = str(given("channel", current.channel) or "")
    if channel not in GreetingChannel.values:
        errors["channel"] = [_("Choose e-mail or SMS.")]
    values["channel"] = channel
    chosen = given("holidays", current.holidays) or []
    if not isinstance(chosen, list | tuple) or not all(isinstance(h, str) for h in chosen):
        errors["holidays"] = [_("Give a list of holiday names.")]
        chosen = []
    chosen = sorted({h.strip() for h in chosen if h.strip()})
    if occasion != Occasion.HOLIDAY:
        chosen = []
    elif chosen:
        known = set(holidays_calendar.all_names())
        unknown = [h for h in chosen if h not in known]
        if unknown:
            errors["holidays"] = [_("Unknown holidays: %(names)s.") % {"names": ", ".join(unknown)}]
    values["holidays"] = chosen
    send_at = given("send_at", current.send_at)
    if isinstance(send_at, str):
        try:
            send_at = datetime.time.fromisoformat(send_at.strip())
        except ValueError:
            send_at = None
    if not isinstance(send_at, datetime.time):
        errors["send_at"] = [_("Enter a time such as 09:00.")]
    else:
        send_at = send_at.replace(second=0, microsecond=0, tzinfo=None)
    values["send_at"] = send_at
    values["enabled"] = bool(given("enabled", current.enabled))
    texts = given("texts", current.texts) or {}
    cleaned: dict[str, dict[str, str]] = {}
    if not isinstance(texts, Mapping):
        errors["texts"] = [_("Give the texts per language.")]
        texts = {}
    for language, text in texts.items():
        where = f"texts.{language}"
        if language not in LANGUAGE_CODES:
            errors[where] = [_("Choose one of Accord's languages.")]
            continue
        if not isinstance(text, Mapping):
            errors[where] = [_("Give a subject and a body.")]
            continue
        subject = " ".join(str(text.get("subject", "") or "").split())
        body = str(text.get("body", "") or "").strip()
        if not subject and not body:
            continue  # a language left empty is no text in it
        if not body:
            errors[f"{where}.body"] = [_("Enter the text.")]
        if channel == GreetingChannel.EMAIL and not subject:
            errors[f"{where}.subject"] = [_("Enter a subject.")]
        if len(subject) > 200:
            errors[f"{where}.subject"] = [_("Keep the subject within 200 characters.")]
        for part, value in (("subject", subject), ("body", body)):
            if found := greeting_texts.problems(value):
                errors.setdefault(f"{where}.{part}", []).extend(found)
        cleaned[language] = {"subject": subject, "body": body}
    if not cleaned and "texts" not in errors:
        errors["texts"] = [_("Write the greeting in at least one language.")]
    elif values["enabled"] and languages.site_language() not in cleaned and "texts" not in errors:
        errors["texts"] = [
            _("Write the greeting in the site's language (%(language)s) too: contacts in other languages get it.")
            % {"language": languages.site_language()}
        ]
    values["texts"] = cleaned
    return values, errors


@transaction.atomic
def save_rule(
    *, actor: User | None, data: Mapping[str, Any], rule: GreetingRule | None = None, version: int | None = None
) -> GreetingRule:
    """Create a greeting rule, or change ``rule`` (``version``: the one the caller read; a stale
    one is a ``Conflict``). Every field is checked before anything is written."""
    _require(actor)
    values, errors = _clean(data, rule)
    if rule is not None:
        rule = GreetingRule.objects.select_for_update().get(pk=rule.pk)
        if version is not None and version != rule.version:
            raise Conflict(current_version=rule.version)
    if errors:
        raise ValidationError(errors)
    if rule is None:
        created = GreetingRule.objects.create(**values)
        changes.record_create(actor=actor, obj=created)
        return created
    before = changes.snapshot(rule)
    for name, value in values.items():
        setattr(rule, name, value)
    if changes.snapshot(rule) == before:
        return rule
    rule.version += 1
    rule.save()
    changes.record_update(actor=actor, obj=rule, before=before)
    return rule


@transaction.atomic
def delete_rule(*, actor: User | None, rule: GreetingRule, version: int | None = None) -> None:
    """Delete a rule; the greetings it made stay (and keep their contacts from a second one)."""
    _require(actor)
    locked = GreetingRule.objects.select_for_update().get(pk=rule.pk)
    if version is not None and version != locked.version:
        raise Conflict(current_version=locked.version)
    before = changes.snapshot(locked)
    changes.record_delete(actor=actor, obj=locked, before=before)
    locked.delete()


# --- the run ------------------------------------------------------------------------------


@dataclass
class RunReport:
    now: datetime.datetime
    dry_run: bool
    greeted: Counter[str] = field(default_factory=Counter)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.greeted.values())


def _occasion_name(batch: selectors.Batch, country: str, language: str) -> str:
    if batch.holiday:
        return holidays_calendar.local_name(batch.holiday, batch.day, country or _default_country(), language)
    with translation.override(language):
        return str(Occasion(batch.rule.occasion).label)


def _default_country() -> str:
    from django.conf import settings

    return str(settings.DEFAULT_COUNTRY).upper()


def _years(batch: selectors.Batch, contact: Any) -> str:
    if batch.rule.occasion == Occasion.COMPANY_ANNIVERSARY:
        founded = str(getattr(contact, "g_since_text", "") or "")
        return str(batch.day.year - int(founded[:4])) if founded[:4].isdigit() else ""
    if batch.rule.occasion == Occasion.CUSTOMER_ANNIVERSARY and contact.g_since is not None:
        return str(batch.day.year - timezone.localtime(contact.g_since, zones.default_zone()).year)
    return ""


def _outgoing(batch: selectors.Batch, contact: Any) -> tuple[Any, str] | None:
    """The message greeting ``contact`` (an ``Outgoing``) and its language; None when the rule
    has no text in the contact's language nor in the site's."""
    from accord.messaging.services import Outgoing

    rule = batch.rule
    language = languages.first_supported(contact.preferred_language, contact.g_company_language)
    text = rule.text(language)
    if text is None:
        language = languages.site_language()
        text = rule.text(language)
        if text is None:
            return None
    values = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "company": contact.g_company or "",
        "occasion": _occasion_name(batch, contact.g_country, language),
        "years": _years(batch, contact),
    }
    subject = greeting_texts.fill(text.get("subject", ""), values)
    body = greeting_texts.fill(text["body"], values)
    email = rule.channel == GreetingChannel.EMAIL
    return (
        Outgoing(
            channel=rule.channel,
            to=contact.primary_email if email else contact.primary_phone,
            subject=subject,
            body=body,
            idempotency_key=f"greeting:{contact.pk}:{batch.key}:{batch.day.year}"[:200],
            kind="greeting",
            language=language,
            contact=contact,
            timeline_subject=subject or body[:200],
        ),
        language,
    )


def _chunks(batch: selectors.Batch) -> Any:
    """The batch's contacts, ``CHUNK`` at a time, with what their messages need. Their keys are
    found first, in one query (the only one that searches); each chunk is then read by key. (A
    chunk read as "the next 2,000 in key order" made the database find all that were left, every
    time, to sort them; keys alone are a few dozen MB at worst: a holiday of half a million.)"""
    with selectors.planned_plainly():
        keys = list(batch.contacts.order_by("pk").values_list("pk", flat=True))
    # Read by key alone: the search's conditions were just met, and whom a concurrent run greeted
    # in the meantime ``_greet`` finds under the rule's lock.
    contacts = selectors.details(batch.rule)
    for start in range(0, len(keys), CHUNK):
        with selectors.planned_plainly():
            chunk = list(contacts.filter(pk__in=keys[start : start + CHUNK]).order_by("pk"))
        if chunk:
            yield chunk


def _queue(items: list[tuple[Contact, Any]], failed: dict[str, str]) -> list[tuple[Contact, Any, Any]]:
    """Queue the messages together; a message the outbox refuses (a phone number it cannot
    use) is left out, with why, and the others are queued."""
    from accord.messaging.services import queue_many

    while items:
        try:
            queued = queue_many(actor=None, items=[outgoing for _contact, outgoing in items])
        except ValidationError as exc:
            refused: dict[int, list[str]] = {}
            for name, found in exc.message_dict.items():
                number = name.partition(".")[0]
                if not number.isdigit():
                    raise
                refused.setdefault(int(number), []).extend(found)
            for position, found in refused.items():
                failed[str(items[position][0].pk)] = "; ".join(found)
            items = [item for position, item in enumerate(items) if position not in refused]
        else:
            return [(c, o, m) for (c, o), m in zip(items, queued, strict=True)]
    return []


def _greet(batch: selectors.Batch, chunk: Sequence[Any], now: datetime.datetime, failed: dict[str, str]) -> int:
    """Greet one chunk of a batch in one transaction; returns how many were greeted."""
    rule, year = batch.rule, batch.day.year
    with transaction.atomic():
        # Two runs at once queue here one after the other: the second sees the first's rows.
        GreetingRule.objects.select_for_update().filter(pk=rule.pk).first()
        done = set(
            Greeting.objects.filter(
                contact_id__in=[c.pk for c in chunk], occasion_key=batch.key, year=year
            ).values_list("contact_id", flat=True)
        )
        # The last gate, as every marketing send has it: consent withdrawn since the search, or
        # an address on the suppression list in another spelling, and the contact is left out.
        email = rule.channel == GreetingChannel.EMAIL
        allowed = may_send_many(
            channel=rule.channel,
            purpose="greetings",
            recipients=[(c.pk, c.primary_email if email else c.primary_phone) for c in chunk if c.pk not in done],
        )
        items: list[tuple[Contact, Any]] = []
        for contact in chunk:
            if contact.pk in done or contact.pk not in allowed:
                continue
            made = _outgoing(batch, contact)
            if made is None:
                failed[str(contact.pk)] = _("The rule has no text in the contact's language nor the site's.")
                continue
            items.append((contact, made))
        queued = _queue([(c, outgoing) for c, (outgoing, _language) in items], failed)
        # A refused address is greeted no more this year: noted once, not retried every quarter.
        sent_to = {contact.pk for contact, _item, _message in queued}
        refused = [contact for contact, _made in items if contact.pk not in sent_to]
        greetings = [
            Greeting(
                id=uuid7(),
                rule=rule,
                contact_id=contact.pk,
                occasion=rule.occasion,
                occasion_key=batch.key,
                year=year,
                occasion_date=batch.day,
                channel=rule.channel,
                language=message.language,
                message_id=message.pk,
                created_at=now,
            )
            for contact, _outgoing_item, message in queued
        ]
        greetings += [
            Greeting(
                id=uuid7(),
                rule=rule,
                contact_id=contact.pk,
                occasion=rule.occasion,
                occasion_key=batch.key,
                year=year,
                occasion_date=batch.day,
                channel=rule.channel,
                language="",
                message_id=None,
                error=failed.get(str(contact.pk), "")[:300],
                created_at=now,
            )
            for contact in refused
        ]
        if greetings:
            bulk.insert(Greeting, greetings)
            emit(
                GreetingsSent(
                    rule_id=rule.pk, occasion_key=batch.key, count=len(greetings), ids=[g.id for g in greetings]
                )
            )
        return len(queued)


ANALYZE_AFTER = 1000


def _analyze() -> None:
    """Tell PostgreSQL how many greetings there are now. Each search leaves out the contacts
    greeted already (an anti-join on this table); planned with the statistics of a table that
    was nearly empty (a new year, a holiday's first run), it compares every candidate with every
    greeting: 27,000 by 27,000 took a minute. Autovacuum would learn it, but too late for the run."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Greeting._meta.db_table}")


def run(*, now: datetime.datetime | None = None, dry_run: bool = False) -> RunReport:
    """Greet everyone due at ``now`` (default: this moment); ``dry_run`` counts without writing.
    Safe to run again and at the same time as another run: nobody is greeted twice."""
    now = now or timezone.now()
    report = RunReport(now=now, dry_run=dry_run)
    for batch in selectors.due(now):
        if dry_run:
            with selectors.planned_plainly():
                count = batch.contacts.count()
            if count:
                report.greeted[batch.key] += count
            continue
        written = 0
        for chunk in _chunks(batch):
            greeted = _greet(batch, chunk, now, report.failed)
            written += len(chunk)
            if greeted:
                report.greeted[batch.key] += greeted
        if written >= ANALYZE_AFTER:
            _analyze()
    if report.total:
        log.info("greetings run at %s: %s", now.isoformat(), dict(report.greeted))
    return report
