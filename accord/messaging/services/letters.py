"""Printed letters: the day's print batch, its PDF, posting it, and taking a letter out of it.

A queued letter waits until a user prepares the day's batch (``collect_batch``): every queued
letter they may see and not yet in a batch goes into the day's open batch and becomes
``sending``. The first download renders the batch as one PDF (``batch_pdf``) and marks it
``printed``; letters queued after that go into the day's next batch, so the envelopes posted are
the ones printed. Marking the batch posted makes each of its letters ``sent`` and puts it on its
customer's timeline. A letter taken out of the batch before posting (a wrong address) is
``failed`` with the reason; an administrator may queue it again from the outbox once it is fixed.

Who prints: administrators and managers (``may_print``). A batch holds the letters of everyone,
so a user may download or post it only when every letter in it is to a customer they may see.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accord.core import access, changes, languages
from accord.core.access import AccessDenied
from accord.messaging.letters import Letter, LetterError, render_batch
from accord.messaging.models import (
    Message,
    MessageChannel,
    MessageState,
    PrintBatch,
    PrintBatchState,
    check_transition,
)
from accord.messaging.selectors import may_print, visible_letters, waiting_letters

if TYPE_CHECKING:
    import datetime

    from accord.identity.models import User


# --- who may print, and which letters they may see ------------------------------------------------


def _require_printer(actor: User | None) -> None:
    if actor is not None and not may_print(actor):
        raise AccessDenied()


def _require_whole_batch(actor: User | None, batch: PrintBatch) -> None:
    """A batch is one PDF and one pile of envelopes: whoever prints or posts it sees all of it."""
    if actor is None or access.sees_all(actor):
        return
    hidden = batch.letters.exclude(pk__in=visible_letters(actor).values("pk")).exists()
    if hidden:
        raise AccessDenied(
            _("This batch holds letters to customers you may not see; an administrator prints and posts it.")
        )


# --- gathering the day's letters --------------------------------------------------------------------


def _open_batch(actor: User | None, day: datetime.date) -> PrintBatch:
    """The day's open batch, locked; made when there is none. Two users preparing at once make
    one: the second insert meets the unique constraint, and takes the first one's batch."""
    found = PrintBatch.objects.select_for_update().filter(day=day, state=PrintBatchState.OPEN).first()
    if found is not None:
        return found
    number = (PrintBatch.objects.filter(day=day).aggregate(n=Max("number"))["n"] or 0) + 1
    batch = PrintBatch(day=day, number=number, created_by=actor if getattr(actor, "pk", None) else None)
    try:
        with transaction.atomic():
            batch.save(force_insert=True)
    except IntegrityError:
        # A concurrent call committed the day's batch first (its open one, or this number).
        return PrintBatch.objects.select_for_update().get(day=day, state=PrintBatchState.OPEN)
    changes.record_create(actor=actor, obj=batch)
    return batch


def collect_batch(*, actor: User | None, day: datetime.date | None = None) -> PrintBatch | None:
    """Put every queued letter ``actor`` may see that is in no batch yet into the day's open
    batch (made if needed), each moving ``queued -> sending``; returns the batch, or None when no
    letter waits and the day has no open batch. Asked again, it gathers only what came since."""
    _require_printer(actor)
    day = day or timezone.localdate()
    with transaction.atomic():
        pending = waiting_letters(actor) if actor is not None else _all_waiting()
        if not pending.exists():
            return PrintBatch.objects.filter(day=day, state=PrintBatchState.OPEN).first()
        batch = _open_batch(actor, day)
        check_transition(MessageState.QUEUED, MessageState.SENDING)
        pks = list(pending.values_list("pk", flat=True))
        if not pks:
            # A concurrent call gathered them while this one waited for the day's batch.
            return batch
        # Checked again in the UPDATE: a letter a concurrent call took meanwhile is no longer
        # queued and in no batch, and stays where that call put it.
        moving = Message.objects.filter(
            pk__in=pks,
            channel=MessageChannel.LETTER,
            state=MessageState.QUEUED,
            print_batch__isnull=True,
        )
        changes.record_bulk_update(
            actor=actor, queryset=moving, values={"state": MessageState.SENDING.value, "print_batch": batch.pk}
        )
        moved = moving.update(
            state=MessageState.SENDING,
            print_batch=batch,
            claimed_at=timezone.now(),
            version=F("version") + 1,
        )
        if moved:
            _recount(actor, batch)
    return batch


def _all_waiting() -> QuerySet[Message]:
    return Message.objects.filter(channel=MessageChannel.LETTER, state=MessageState.QUEUED, print_batch__isnull=True)


def _recount(actor: User | None, batch: PrintBatch) -> None:
    before = changes.snapshot(batch)
    batch.letter_count = batch.letters.count()
    batch.version += 1
    batch.save(update_fields=["letter_count", "version", "updated_at"])
    changes.record_update(actor=actor, obj=batch, before=before)


def _locked(batch: PrintBatch) -> PrintBatch:
    return PrintBatch.objects.select_for_update().get(pk=batch.pk)


# --- the PDF ---------------------------------------------------------------------------------------------


# Where the selling company's details come from: the Sales settings register theirs (sales sits
# above messaging and cannot be imported here); without them, the ACCORD_SELLER_* settings.
_seller_source: Callable[[], Mapping[str, Any]] | None = None


def set_seller_source(source: Callable[[], Mapping[str, Any]]) -> None:
    """Let an app above messaging supply the seller's details (name, address) letters print."""
    global _seller_source
    _seller_source = source


def letter_sender() -> list[str]:
    """The sender's block: the selling company's name and address lines, as the Sales settings
    keep them, else as the settings give them (``ACCORD_SELLER_NAME``, ``ACCORD_SELLER_ADDRESS``
    with lines separated by "|")."""
    seller = (_seller_source() if _seller_source is not None else None) or getattr(settings, "ACCORD_SELLER", {}) or {}
    name = str(seller.get("name") or "").strip()
    address = [line.strip() for line in str(seller.get("address") or "").splitlines() if line.strip()]
    return [name, *address] if name else address


def _place(sender: list[str]) -> str:
    """The town of the sender's last address line, its postcode left out ("00-001 Warszawa")."""
    if len(sender) < 2:
        return ""
    words = sender[-1].replace(",", " ").split()
    return " ".join(word for word in words if not re.search(r"\d", word))


def _reference(message: Message) -> str:
    from accord.messaging.services.timeline import _related

    record = _related(message)
    if record is None:
        return ""
    return str(getattr(record, "label", "") or record)[:80]


def _letter(message: Message, *, sender: list[str], place: str, day: datetime.date) -> Letter:
    language = message.language or languages.site_language()
    with languages.writing_in(language):
        date = formats.date_format(day, "DATE_FORMAT")
    return Letter(
        recipient=tuple(message.to_address.splitlines()),
        body=message.body,
        sender=tuple(sender),
        subject=message.subject,
        place_and_date=f"{place}, {date}" if place else date,
        reference=_reference(message),
        language=language,
    )


def batch_letters(batch: PrintBatch) -> QuerySet[Message]:
    return batch.letters.select_related("contact", "company").order_by("created_at", "id")


def batch_pdf(batch: PrintBatch, *, duplex: bool = False) -> bytes:
    """Every letter of the batch in one PDF, in the order they were queued, each dated the
    batch's day in its own language. A letter the envelope cannot take is named in the error."""
    sender = letter_sender()
    place = _place(sender)
    letters = []
    for message in batch_letters(batch):
        letter = _letter(message, sender=sender, place=place, day=batch.day)
        try:
            letter.address_lines()
        except LetterError as exc:
            raise ValidationError(
                {"letters": [_("%(letter)s: %(why)s") % {"letter": _recipient_name(message), "why": exc}]}
            ) from None
        letters.append(letter)
    if not letters:
        raise ValidationError({"letters": [_("This batch has no letters to print.")]})
    with languages.writing_in(languages.site_language()):
        title = _("Letters of %(day)s") % {"day": formats.date_format(batch.day, "SHORT_DATE_FORMAT")}
    return render_batch(letters, duplex=duplex, title=title)


def _recipient_name(message: Message) -> str:
    lines = [line.strip() for line in message.to_address.splitlines() if line.strip()]
    return lines[0] if lines else message.subject


def download_batch(*, actor: User | None, batch: PrintBatch, duplex: bool = False) -> bytes:
    """The batch's PDF; the first download marks an open batch printed (it takes no more letters)."""
    _require_printer(actor)
    with transaction.atomic():
        locked = _locked(batch)
        _require_whole_batch(actor, locked)
        pdf = batch_pdf(locked, duplex=duplex)
        if locked.state == PrintBatchState.OPEN:
            before = changes.snapshot(locked)
            locked.state = PrintBatchState.PRINTED
            locked.printed_at = timezone.now()
            locked.version += 1
            locked.save()
            changes.record_update(actor=actor, obj=locked, before=before)
    batch.refresh_from_db()
    return pdf


# --- posting, and taking a letter out -----------------------------------------------------------------------


def post_batch(*, actor: User | None, batch: PrintBatch) -> PrintBatch:
    """The envelopes went to the post: every letter of the batch is ``sent`` now and logged once on
    its customer's timeline. Only a printed batch can be posted, once."""
    from accord.messaging.services.timeline import log_sent_many

    _require_printer(actor)
    with transaction.atomic():
        locked = _locked(batch)
        _require_whole_batch(actor, locked)
        if locked.state == PrintBatchState.POSTED:
            when = formats.date_format(timezone.localtime(locked.posted_at), "SHORT_DATETIME_FORMAT")
            raise ValidationError(
                {"state": [_("This batch was already marked as posted (%(when)s).") % {"when": when}]}
            )
        if locked.state == PrintBatchState.OPEN:
            raise ValidationError({"state": [_("Download and print the batch before marking it as posted.")]})
        now = timezone.now()
        letters = list(locked.letters.select_for_update().filter(state=MessageState.SENDING))
        for letter in letters:
            before = changes.snapshot(letter)
            check_transition(letter.state, MessageState.SENT)
            letter.state = MessageState.SENT
            letter.sent_at = now
            letter.claimed_at = None
            letter.error = ""
            letter.version += 1
            letter.save()
            changes.record_update(actor=actor, obj=letter, before=before)
        before = changes.snapshot(locked)
        locked.state = PrintBatchState.POSTED
        locked.posted_at = now
        locked.posted_by = actor if getattr(actor, "pk", None) else None
        locked.version += 1
        locked.save()
        changes.record_update(actor=actor, obj=locked, before=before)
        log_sent_many(letters)
    batch.refresh_from_db()
    return locked


def remove_letter(*, actor: User | None, message: Message, reason: str) -> Message:
    """Take a letter out of its batch before the batch is posted; it is ``failed`` with
    ``reason`` (required: it is what the outbox shows) and is not printed or posted."""
    _require_printer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the letter is taken out (for example, a wrong address).")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("Keep the reason under 500 characters.")]})
    with transaction.atomic():
        letter = Message.objects.select_for_update().filter(pk=message.pk, channel=MessageChannel.LETTER).first()
        if letter is None or letter.print_batch_id is None:
            raise ValidationError({"letter": [_("This letter is in no print batch.")]})
        if actor is not None and not visible_letters(actor).filter(pk=letter.pk).exists():
            raise AccessDenied()
        batch = _locked(letter.print_batch)  # type: ignore[arg-type]
        if batch.state == PrintBatchState.POSTED:
            raise ValidationError({"letter": [_("This batch was posted: its letters can no longer be taken out.")]})
        before = changes.snapshot(letter)
        check_transition(letter.state, MessageState.FAILED)
        letter.state = MessageState.FAILED
        letter.error = reason
        letter.print_batch = None
        letter.claimed_at = None
        letter.version += 1
        letter.save()
        changes.record_update(actor=actor, obj=letter, before=before)
        _recount(actor, batch)
    return letter
