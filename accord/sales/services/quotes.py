"""Quotes: made from a deal's lines, revised, sent by e-mail with their PDF, accepted or declined.

A quote is a snapshot: its lines, totals and customer block are copied when it is made and never
change once it has been sent; a change is a new revision of the same number, which supersedes the
earlier ones. Accepting a revision supersedes its siblings, puts the quote's amount on the deal and
records that on the deal's audit trail.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes, languages, search
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.events import emit
from accord.core.sequences import next_value
from accord.people.models import Address, Contact
from accord.sales.events import QuoteAccepted, QuoteDeclined, QuoteIssued, QuoteRevised, QuoteSent
from accord.sales.models import Deal, DealLine, DealStatus, Quote, QuoteLine, QuoteStatus, SellerDetails
from accord.sales.services.lines import line_snapshot, totals

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)

VALID_DAYS = 30  # how long a new quote is valid when no date is given
EDITABLE_FIELDS = ("valid_until", "terms", "customer_name", "customer_address", "customer_tax_id")
OPEN_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SENT)


class SendFailed(Exception):
    """The quote could not be sent; it was left as it was. (Mail is delivered by the outbox after
    the quote is marked sent, so a mail server that is away no longer raises this.)"""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def is_expired(quote: Quote, today: datetime.date | None = None) -> bool:
    """A draft or sent quote past its valid-until date can no longer be accepted."""
    return quote.status in OPEN_STATUSES and quote.valid_until < (today or timezone.localdate())


def quote_number(today: datetime.date | None = None) -> str:
    """The next number of the year: Q-2026-0001. Runs inside the caller's transaction."""
    year = (today or timezone.localdate()).year
    return f"Q-{year}-{next_value(f'quote-{year}'):04d}"


def customer_block(deal: Deal) -> dict[str, str]:
    """Who the quote is for: the deal's company (name, address, tax id), else its first contact."""
    company = deal.company
    contact = first_contact(deal)
    name, tax_id = "", ""
    address: Address | None = None
    if company is not None:
        name = company.name
        tax_id = company.nip or company.vat_id
        address = company.addresses.order_by("position", "id").first()
    elif contact is not None:
        name = str(contact)
        address = contact.addresses.order_by("position", "id").first()
    lines: list[str] = []
    if company is not None and contact is not None:
        lines.append(str(contact))
    if address is not None:
        lines.extend(p for p in (address.street, f"{address.postal_code} {address.city}".strip()) if p)
        if address.country:
            lines.append(address.country)
    return {"customer_name": name[:200], "customer_address": "\n".join(lines), "customer_tax_id": tax_id[:30]}


def first_contact(deal: Deal) -> Contact | None:
    link = deal.contact_links.select_related("contact").order_by("id").first()
    return link.contact if link is not None else None


def recipient_for(quote: Quote) -> str:
    """Where the quote goes by default: the deal's first contact's e-mail, else the company's."""
    contact = first_contact(quote.deal)
    if contact is not None and contact.primary_email:
        return contact.primary_email
    company = quote.deal.company
    if company is not None:
        email = company.emails.order_by("position", "id").first()
        if email is not None:
            return email.email
    return ""


def _check_valid_until(value: Any, errors: dict[str, list[str]], *, today: datetime.date) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            errors["valid_until"] = [_("Enter a date as YYYY-MM-DD.")]
            return None
    if not isinstance(value, datetime.date):
        errors["valid_until"] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    if value < today:
        errors["valid_until"] = [_("A quote cannot be valid until a day in the past.")]
        return None
    return value


def _apply_fields(quote: Quote, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    today = timezone.localdate()
    if "valid_until" in data:
        valid_until = _check_valid_until(data["valid_until"], errors, today=today)
        if valid_until is not None:
            quote.valid_until = valid_until
        elif "valid_until" not in errors:
            errors["valid_until"] = [_("This field is required.")]
    for name in ("terms", "customer_name", "customer_address", "customer_tax_id"):
        if name in data:
            setattr(quote, name, str(data[name] or "").strip())
    try:
        quote.full_clean(exclude=["deal", "created_by", "number"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


def _copy_lines(quote: Quote, deal: Deal) -> None:
    """Copy the deal's lines onto the quote with their amounts, and total them per VAT rate."""
    deal_lines = list(DealLine.objects.filter(deal=deal).select_related("product").order_by("position", "id"))
    if not deal_lines:
        raise ValidationError({"lines": [_("Add the products or services to the deal before quoting it.")]})
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            description=line.description,
            sku=line.product.sku if line.product is not None else "",
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            net=line.net,
            vat=line.vat,
            gross=line.gross,
            position=i,
        )
        for i, line in enumerate(deal_lines)
    )
    summary = totals(deal_lines)
    quote.net_total, quote.vat_total, quote.gross_total = summary.net, summary.vat, summary.gross


def _lines_snapshot(quote: Quote) -> list[dict[str, str]]:
    return [line_snapshot(line) for line in QuoteLine.objects.filter(quote=quote).order_by("position", "id")]


def quote_search_text(quote: Quote) -> str:
    """A quote's ``search_text``: its number (with the revision), the customer and their tax id."""
    return search.document(quote.label, quote.number, quote.customer_name, quote.customer_tax_id)


SELLER_KEYS = ("name", "address", "tax_id", "email", "phone", "bank_account")


def seller_details() -> dict[str, str]:
    """The selling company as the Sales settings keep it, else as the environment gives it
    (``ACCORD_SELLER_*``): every key, some perhaps empty."""
    stored = SellerDetails.objects.order_by("created_at").first()
    if stored is not None:
        return {key: str(getattr(stored, key) or "").strip() for key in SELLER_KEYS}
    configured: Mapping[str, Any] = getattr(settings, "ACCORD_SELLER", {}) or {}
    return {key: str(configured.get(key) or "").strip() for key in SELLER_KEYS}


def configured_seller() -> dict[str, str]:
    """The selling company quotes print; empty when it has no name yet."""
    details = seller_details()
    return details if details["name"] else {}


def missing_seller_details(quote: Quote | None = None) -> list[str]:
    """What a quote's PDF would lack of the seller's details (name, address, tax id, bank account):
    the quote's own copy if it has one, else the current settings."""
    details = dict(quote.seller or {}) if quote is not None and (quote.seller or {}).get("name") else seller_details()
    return [key for key in ("name", "address", "tax_id", "bank_account") if not str(details.get(key) or "").strip()]


def _new_quote(
    *,
    actor: User | None,
    deal: Deal,
    number: str,
    revision: int,
    data: Mapping[str, Any],
    seller: Mapping[str, str] | None = None,
) -> Quote:
    today = timezone.localdate()
    quote = Quote(
        deal=deal,
        number=number,
        revision=revision,
        currency=deal.currency,
        valid_until=today + datetime.timedelta(days=VALID_DAYS),
        created_by=actor if getattr(actor, "pk", None) else None,
        seller={key: str(value) for key, value in (configured_seller() or seller or {}).items() if key in SELLER_KEYS},
        **customer_block(deal),
    )
    errors: dict[str, list[str]] = {}
    _apply_fields(quote, data, errors)
    if errors:
        raise ValidationError(errors)
    quote.search_text = quote_search_text(quote)
    quote.save()
    _copy_lines(quote, deal)
    quote.save(update_fields=["net_total", "vat_total", "gross_total"])
    changes.record_create(actor=actor, obj=quote, extra={"lines": _lines_snapshot(quote)})
    return quote


def _require_deal(actor: User | None, deal: Deal) -> Deal:
    """Lock the deal and check the actor may change it: quotes are acted on through their deal."""
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
        if not access.sees_amounts(actor):
            # A quote is its prices: who may not see amounts may not make, change, send or decide one.
            raise access.AccessDenied(_("Your role may not see amounts, so it may not work on quotes."))
    return locked


def _lock(actor: User | None, quote: Quote, expected_version: int | None) -> Quote:
    _require_deal(actor, quote.deal)
    locked = Quote.objects.select_for_update().select_related("deal").get(pk=quote.pk)
    check_version(locked, expected_version)
    return locked


def _on_timeline(
    actor: User | None, quote: Quote, *, channel: str, subject: str, body: str = "", direction: str = ""
) -> None:
    """Put what happened to the quote on the deal's timeline (and its customer's), as an interaction
    related to the deal, when the deal has a contact or company the actor may see."""
    from accord.activities.services import InteractionData, log_interaction

    deal = quote.deal
    contact = first_contact(deal)
    data: InteractionData = {"channel": channel, "direction": direction, "subject": subject[:200], "body": body}
    if contact is not None and access.can_view(actor, contact):
        data["contact"] = contact
    if deal.company is not None and access.can_view(actor, deal.company):
        data["company"] = deal.company
    if "contact" in data or "company" in data:
        log_interaction(actor=actor, data=data, related=deal)


def _set_status(actor: User | None, quote: Quote, status: str, **fields: Any) -> None:
    before = changes.snapshot(quote)
    quote.status = status
    for name, value in fields.items():
        setattr(quote, name, value)
    quote.version += 1
    quote.save()
    changes.record_update(actor=actor, obj=quote, before=before)


@transaction.atomic
def create_from_deal(
    *, actor: User | None, deal: Deal, data: Mapping[str, Any] | None = None, seller: Mapping[str, str] | None = None
) -> Quote:
    """A new quote (revision 1, a new number) with the deal's lines and customer, and the seller
    from the settings (``seller`` stands in when the settings name none: the demo's company)."""
    locked = _require_deal(actor, deal)
    if locked.status != DealStatus.OPEN:
        raise ValidationError({"deal": [_("This deal is closed: reopen it before quoting.")]})
    quote = _new_quote(actor=actor, deal=locked, number=quote_number(), revision=1, data=data or {}, seller=seller)
    emit(QuoteIssued(deal_id=locked.pk, number=quote.label), obj=quote, actor=actor)
    return quote


@transaction.atomic
def revise(
    *, actor: User | None, quote: Quote, data: Mapping[str, Any] | None = None, expected_version: int | None = None
) -> Quote:
    """A new revision of the quote's number with the deal's current lines; the earlier open
    revisions become superseded. What was sent stays as it was sent."""
    locked = _lock(actor, quote, expected_version)
    siblings = Quote.objects.select_for_update().filter(number=locked.number)
    if siblings.filter(status=QuoteStatus.ACCEPTED).exists():
        raise ValidationError({"status": [_("This quote was accepted: make a new quote instead of a revision.")]})
    if locked.deal.status != DealStatus.OPEN:
        raise ValidationError({"deal": [_("This deal is closed: reopen it before quoting.")]})
    revision = (siblings.aggregate(m=Max("revision"))["m"] or 0) + 1
    given = dict(data or {})
    # The new revision keeps what was negotiated on the previous one unless told otherwise.
    for name in ("terms", "customer_name", "customer_address", "customer_tax_id"):
        given.setdefault(name, getattr(locked, name))
    new = _new_quote(
        actor=actor, deal=locked.deal, number=locked.number, revision=revision, data=given, seller=locked.seller
    )
    for earlier in siblings.exclude(pk=new.pk).filter(status__in=OPEN_STATUSES):
        _set_status(actor, earlier, QuoteStatus.SUPERSEDED)
    emit(QuoteRevised(deal_id=new.deal_id, number=new.label), obj=new, actor=actor)
    return new


@transaction.atomic
def update_draft(
    *, actor: User | None, quote: Quote, data: Mapping[str, Any], expected_version: int | None = None
) -> Quote:
    """Change a draft's validity, terms or customer block. A sent quote is never changed."""
    locked = _lock(actor, quote, expected_version)
    if locked.status != QuoteStatus.DRAFT:
        raise ValidationError({"status": [_("This quote was sent and cannot be changed: make a new revision.")]})
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _apply_fields(locked, {k: v for k, v in data.items() if k in EDITABLE_FIELDS}, errors)
    if errors:
        raise ValidationError(errors)
    if changes.snapshot(locked) == before:
        return locked
    locked.search_text = quote_search_text(locked)
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


def _default_words(quote: Quote, language: str) -> tuple[str, str]:
    """The subject and text of the quote's e-mail in ``language``: the "quote" e-mail template
    (administrators reword it), else the catalogue's words."""
    from accord.messaging.services.templates import TemplateMissing, render

    try:
        rendered = render("quote", "email", language, {"number": quote.label})
    except TemplateMissing:
        with languages.writing_in(language):
            return (
                _("Quote %(number)s") % {"number": quote.label},
                _("Please find our quote %(number)s attached.") % {"number": quote.label},
            )
    return rendered.subject, rendered.text.strip()


def send(
    *,
    actor: User | None,
    quote: Quote,
    to: str,
    subject: str = "",
    message: str = "",
    expected_version: int | None = None,
) -> Quote:
    """Mark the quote sent and queue its e-mail, with the PDF, to ``to``. Both are in the
    customer's language (``quote_language``); a subject or message left empty gets the "quote"
    template's words in it.

    The quote is marked sent and the message queued in one transaction, once per revision (the
    message's idempotency key names the quote): a worker delivers it after the commit, tries
    again when the mail server is away, and the sent message lands on the customer's timeline.
    The outbox screen shows a message that failed for good.
    """
    from accord.messaging.models import MessageChannel
    from accord.messaging.services import OutgoingAttachment, queue_message
    from accord.sales.pdf import quote_language, render_quote

    to = (to or "").strip()
    try:
        validate_email(to)
    except ValidationError:
        raise ValidationError({"to": [_("Enter a valid e-mail address.")]}) from None
    with transaction.atomic():
        locked = _lock(actor, quote, expected_version)
        if locked.status != QuoteStatus.DRAFT:
            raise ValidationError({"status": [_("Only a draft can be sent: make a new revision to send it again.")]})
        if is_expired(locked):
            raise ValidationError({"valid_until": [_("This quote has expired: make a new revision.")]})
        language = languages.first_supported(quote_language(locked))
        default_subject, default_body = _default_words(locked, language)
        subject = subject.strip() or default_subject
        body = message.strip() or default_body
        _set_status(actor, locked, QuoteStatus.SENT, sent_at=timezone.now(), sent_to=to)
        pdf = render_quote(locked)
        deal = locked.deal
        queue_message(
            actor=actor,
            channel=MessageChannel.EMAIL,
            to=to,
            subject=subject[:200],
            body=body,
            idempotency_key=f"sales.quote:{locked.pk}:send",
            kind="quote",
            language=language,
            contact=first_contact(deal),
            company=deal.company,
            related=deal,
            attachments=[
                OutgoingAttachment(f"{locked.label.replace('/', '-')}.pdf", bytes(pdf), "application/pdf"),
            ],
            timeline_subject=_("Quote %(number)s sent to %(to)s") % {"number": locked.label, "to": to},
        )
        emit(QuoteSent(deal_id=locked.deal_id, to=to), obj=locked, actor=actor)
    return locked


@transaction.atomic
def accept(
    *, actor: User | None, quote: Quote, note: str = "", win: bool = False, expected_version: int | None = None
) -> Quote:
    """The customer accepted this revision: the others of its number are superseded, the deal is
    worth the quote's net total, and the deal's audit trail says which quote was accepted. ``win``
    also moves the deal to its won stage."""
    locked = _lock(actor, quote, expected_version)
    if locked.status == QuoteStatus.ACCEPTED:
        raise ValidationError({"status": [_("This quote was already accepted.")]})
    if locked.sent_at is None or locked.status not in (QuoteStatus.SENT, QuoteStatus.SUPERSEDED):
        raise ValidationError({"status": [_("Only a quote that was sent can be accepted.")]})
    if locked.valid_until < timezone.localdate():
        raise ValidationError({"valid_until": [_("This quote expired: make a new revision to accept.")]})
    siblings = Quote.objects.select_for_update().filter(number=locked.number).exclude(pk=locked.pk)
    if siblings.filter(status=QuoteStatus.ACCEPTED).exists():
        raise ValidationError({"status": [_("Another revision of this quote was already accepted.")]})
    deal = locked.deal
    if deal.status == DealStatus.LOST:
        raise ValidationError({"deal": [_("This deal was lost: reopen it before accepting a quote.")]})
    for other in siblings.filter(status__in=OPEN_STATUSES):
        _set_status(actor, other, QuoteStatus.SUPERSEDED)
    _set_status(actor, locked, QuoteStatus.ACCEPTED, decided_at=timezone.now(), decision_note=note.strip()[:300])
    # The deal follows the accepted quote; its audit trail names the quote that set the amount.
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    before = changes.snapshot(deal, extra={"accepted_quote": None})
    deal.amount = locked.net_total
    deal.currency = locked.currency
    deal.version += 1
    deal.save()
    changes.record_update(actor=actor, obj=deal, before=before, extra={"accepted_quote": locked.label})
    emit(QuoteAccepted(deal_id=deal.pk, number=locked.label, net_total=locked.net_total), obj=locked, actor=actor)
    _on_timeline(
        actor,
        locked,
        channel="note",
        subject=_("Quote %(number)s accepted") % {"number": locked.label},
        body=locked.decision_note,
    )
    if win and deal.status == DealStatus.OPEN:
        from accord.sales.services.deals import win_deal

        win_deal(actor=actor, deal=deal)
    locked.deal = Deal.objects.get(pk=deal.pk)
    return locked


@transaction.atomic
def decline(*, actor: User | None, quote: Quote, note: str = "", expected_version: int | None = None) -> Quote:
    """The customer said no to this revision (the deal stays open for a new one)."""
    locked = _lock(actor, quote, expected_version)
    if locked.status != QuoteStatus.SENT:
        raise ValidationError({"status": [_("Only a sent quote can be declined.")]})
    _set_status(actor, locked, QuoteStatus.DECLINED, decided_at=timezone.now(), decision_note=note.strip()[:300])
    deal = locked.deal
    emit(QuoteDeclined(deal_id=deal.pk, number=locked.label), obj=locked, actor=actor)
    _on_timeline(
        actor,
        locked,
        channel="note",
        subject=_("Quote %(number)s declined") % {"number": locked.label},
        body=locked.decision_note,
    )
    # Nothing of the deal changes, but its audit trail says the customer said no to this quote.
    changes.record_update(
        actor=actor,
        obj=deal,
        before=changes.snapshot(deal, extra={"declined_quote": None}),
        extra={"declined_quote": locked.label},
    )
    return locked
