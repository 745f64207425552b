"""E-mail customers send to a queue's address, from an IMAP mailbox the worker reads
(``mailboxes.poll``) or from a provider's inbound webhook (``views/inbound.py``).

``receive`` takes one raw RFC 822 message and files it: a reply goes to its ticket, anything else
opens a new ticket. The order in which a message finds its ticket:

1. its In-Reply-To and References name a message of a ticket (a customer's earlier e-mail, or an
   agent's reply, whose Message-ID the outbox made);
2. its subject carries a ticket's reference ("[#1234]") and the sender is that ticket's contact or
   works at its company: a number is easy to guess, so nobody writes into a stranger's ticket by
   typing one;
3. otherwise a new ticket, in the queue whose address the message was sent to (To, Cc,
   Delivered-To, X-Original-To), else the mailbox's queue, else the default one.

The sender is the contact with that e-mail address (the most recently changed one when several
share it) or a new contact. A message is taken once: its Message-ID (or, without one, a hash of the
raw bytes) is the ticket message's ``external_id``. Auto-replies, mailing lists, bounces and our
own mail coming back are logged and left alone, so two robots never answer each other forever.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import Any

from charset_normalizer import from_bytes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accord.core import attachments
from accord.identity.models import User
from accord.people import services as people
from accord.people.models import Contact, ContactCompany, EmailAddress
from accord.service.models import Queue, Ticket, TicketChannel, TicketMessage
from accord.service.services import tickets

log = logging.getLogger(__name__)

# The largest message taken at all (attachments included); a bigger one is logged and left.
MAX_MESSAGE_BYTES = 40 * 1024 * 1024
# At most this many files are kept of one message.
MAX_ATTACHMENTS = 30
# Inline images smaller than this (logos in signatures) are not kept.
SMALL_INLINE_IMAGE = 8 * 1024
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,245}>")


@dataclass
class Inbound:
    """What ``receive`` reads of a message."""

    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    recipients: list[str]
    thread_ids: list[str]
    files: list[tuple[str, bytes]] = field(default_factory=list)


# --- reading the message ------------------------------------------------------------------------


def _header(message: Message, name: str) -> str:
    """A header as text, its RFC 2047 words decoded; a header too broken to parse as raw text."""
    try:
        value = message.get(name)
    except Exception:  # a malformed header must not stop the mail
        raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
        return " ".join(str(raw).split())
    return " ".join(str(value or "").split())


def _all_headers(message: Message, name: str) -> list[str]:
    try:
        values = message.get_all(name) or []
    except Exception:
        values = [v for k, v in message.raw_items() if k.lower() == name.lower()]
    return [str(v) for v in values]


def _addresses(values: Iterable[str]) -> list[str]:
    found = []
    for _name, address in email.utils.getaddresses(list(values)):
        address = address.strip().strip("<>").lower()
        if "@" in address and address not in found:
            found.append(address)
    return found


def _decoded(part: Message) -> str:
    """A text part's content in its declared charset, or the charset guessed when that is unknown
    or wrong (old mail programs call windows-1250 iso-8859-2 and worse)."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError):
        pass  # an unknown or wrong charset: guessed from the bytes below
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(payload or "")
    best = from_bytes(payload).best()
    return str(best) if best is not None else payload.decode("utf-8", "replace")


class _HtmlText(HTMLParser):
    """The text of an HTML e-mail: no scripts, styles or heads, block elements on their own lines,
    links' addresses kept after their text."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "table"})
    HIDDEN = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0
        self.quote = 0
        self.href: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")
        if tag == "blockquote":
            self.quote += 1
        if tag == "a":
            self.href.append(dict(attrs).get("href") or "")
        if tag == "li":
            self.out.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        if tag == "a" and self.href:
            href = self.href.pop()
            if href.startswith(("http://", "https://")) and self.out and href not in self.out[-1]:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        text = re.sub(r"\s+", " ", data)
        at_line_start = not self.out or "".join(self.out[-2:]).endswith("\n")
        if self.quote and text.strip() and at_line_start:
            text = "> " + text.lstrip()
        self.out.append(text)

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self.out).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; whatever still breaks it, drop the markup
        return re.sub(r"<[^>]*>", " ", html)
    return parser.text()


# The line that introduces the quoted earlier message, in the languages Accord speaks.
_ATTRIBUTION = re.compile(
    r"""^(
        (on|am|le|el)\s.{1,300}(wrote|schrieb|a\s+écrit|escribió)\s*:
      | (w\s+dniu|dnia)\s.{1,300}(napisał|napisała|napisał\(a\)|pisze)\s*:
      | .{1,300}\s(написал|написала|написал\(а\)|пишет)\s*:
      | .{1,300}\s(rašė|parašė)\s*:
      | (în|in|pe)\s.{1,300}\sa\s+scris\s*:
      | -{2,}\s*(original\s+message|wiadomość\s+oryginalna|исходное\s+сообщение
                 |mesaj\s+original|originalus\s+laiškas)\s*-{2,}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_OUTLOOK_HEADER = re.compile(r"^(from|od|от|de la|nuo)\s*:\s*\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^(sent|date|wysłano|data|отправлено|дата|trimis|data|išsiųsta)\s*:", re.IGNORECASE)


def strip_quoted(text: str) -> str:
    """The new part of a reply: without the earlier message quoted below it ("On ... wrote:",
    "W dniu ... napisał:", "... написал:", Outlook's "From:/Sent:" block) and without a trailing run
    of "> " lines. The whole text when that would leave nothing."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        joined = f"{stripped} {lines[i + 1].strip()}" if i + 1 < len(lines) else stripped
        if _ATTRIBUTION.match(stripped) or (
            not stripped.startswith(">") and _ATTRIBUTION.match(joined) and lines[i + 1].strip().endswith(":")
        ):
            cut = i
            break
        if _OUTLOOK_HEADER.match(stripped) and i + 1 < len(lines) and _OUTLOOK_NEXT.match(lines[i + 1].strip()):
            cut = i
            if i > 0 and set(lines[i - 1].strip()) <= {"_", "-"}:
                cut = i - 1
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text.strip()


def _is_attachment(part: Message) -> bool:
    if part.is_multipart() or part.get_content_type() in ("message/delivery-status", "message/rfc822"):
        return False
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    if part.get_filename():
        return True
    return part.get_content_maintype() in ("image", "application", "audio", "video")


def _files(message: Message, body_part: Message | None) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for part in message.walk():
        if part is body_part:
            continue
        if not _is_attachment(part):
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:  # a broken part is skipped, the rest taken
            log.warning("inbound mail: an attachment could not be decoded")
            continue
        if not isinstance(data, bytes) or not data:
            continue
        inline = (part.get_content_disposition() or "") == "inline" or bool(part.get("Content-ID"))
        if inline and part.get_content_maintype() == "image" and len(data) < SMALL_INLINE_IMAGE:
            continue  # a logo in a signature
        try:
            name = part.get_filename() or ""
        except Exception:
            name = ""
        if not name:
            extension = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "application/pdf": ".pdf"}
            name = "attachment" + extension.get(part.get_content_type(), ".bin")
        files.append((name, data))
        if len(files) >= MAX_ATTACHMENTS:
            log.warning("inbound mail: more than %s attachments; the rest were not kept", MAX_ATTACHMENTS)
            break
    return files


def _body(message: Message) -> tuple[str, Message | None]:
    body_part = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    if body_part is None:
        return "", None
    if body_part.get_content_type() == "text/html":
        return html_to_text(_decoded(body_part)), body_part
    if body_part.get_content_maintype() != "text":
        return "", None
    return _decoded(body_part), body_part


def parse(raw: bytes) -> tuple[Inbound, Message]:
    """The parts of a raw message ``receive`` needs (headers decoded, the text without the quoted
    earlier message, the attached files)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    message_id = next(iter(_MESSAGE_ID.findall(_header(message, "Message-ID"))), "")
    name, sender = email.utils.parseaddr(_header(message, "From"))
    text, body_part = _body(message)
    thread_ids: list[str] = []
    for header in ("In-Reply-To", "References"):
        for found in _MESSAGE_ID.findall(_header(message, header)):
            if found not in thread_ids:
                thread_ids.append(found)
    recipients = _addresses(
        value for header in ("To", "Cc", "Delivered-To", "X-Original-To") for value in _all_headers(message, header)
    )
    return (
        Inbound(
            message_id=message_id,
            sender=sender.strip().lower(),
            sender_name=" ".join(name.split()),
            subject=_header(message, "Subject"),
            text=strip_quoted(text),
            recipients=recipients,
            thread_ids=thread_ids,
            files=_files(message, body_part),
        ),
        message,
    )


# --- what is left alone ---------------------------------------------------------------------------


def _own_addresses() -> set[str]:
    reply_to = getattr(settings, "ACCORD_EMAIL_REPLY_TO", "")
    configured = [settings.ACCORD_EMAIL_FROM, settings.DEFAULT_FROM_EMAIL, reply_to]
    ours = set(_addresses(configured))
    ours.update(e.lower() for e in Queue.objects.exclude(email="").values_list("email", flat=True))
    return ours


def ignored_because(inbound: Inbound, message: Message) -> str:
    """Why the message is left alone (an auto-reply, a list, a bounce, our own mail), or ""."""
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if _header(message, name):
            return name
    if message.get_content_type() == "multipart/report" or any(
        part.get_content_type() in ("message/delivery-status", "message/disposition-notification")
        for part in message.walk()
    ):
        return "delivery or read report"
    if _header(message, "Return-Path") == "<>":
        return "null Return-Path (a bounce)"
    if not inbound.sender:
        return "no sender address"
    local = inbound.sender.partition("@")[0]
    if local in ("mailer-daemon", "postmaster"):
        return f"sent by {local}"
    if inbound.sender in _own_addresses():
        return "sent from our own address (a loop)"
    return ""


# --- filing it --------------------------------------------------------------------------------------


def contacts_with_address(address: str) -> list[Contact]:
    """The contacts with this e-mail address, the most recently changed first."""
    ids = EmailAddress.objects.filter(email__iexact=address, contact__isnull=False).values("contact_id")
    return list(
        Contact.objects.filter(Q(pk__in=ids) | Q(primary_email__iexact=address)).order_by("-updated_at", "-id")[:20]
    )


def contact_owner(queue: Queue) -> User | None:
    """Who owns a contact made from an e-mail: the queue's first agent, else a member of the
    queue's team, else the first administrator (by when they joined)."""
    active = User.objects.filter(is_active=True)
    owner = queue.agents.filter(is_active=True).order_by("username").first()
    if owner is None and queue.team_id is not None:
        owner = active.filter(teams=queue.team_id).order_by("username").first()
    if owner is None:
        owner = active.filter(Q(is_superuser=True) | Q(role__is_admin=True)).order_by("date_joined", "id").first()
    return owner


def split_name(display: str, address: str) -> tuple[str, str]:
    """First and last name from a display name ("Jan Kowalski", "Kowalski, Jan"); the address's
    local part as the last name when there is no name."""
    display = display.strip().strip("\"'").strip()
    if "@" in display:
        display = ""
    if "," in display:
        last, _sep, first = display.partition(",")
        return first.strip()[:100], last.strip()[:100]
    parts = display.split()
    if not parts:
        return "", (address.partition("@")[0] or address)[:100]
    if len(parts) == 1:
        return parts[0][:100], ""
    return " ".join(parts[:-1])[:100], parts[-1][:100]


def _new_contact(inbound: Inbound, queue: Queue) -> Contact:
    owner = contact_owner(queue)
    if owner is None:
        raise ValidationError({"from": [_("Nobody could own a new contact: add an active administrator.")]})
    first, last = split_name(inbound.sender_name, inbound.sender)
    return people.create_contact(
        actor=None,
        data=people.contact_data(
            {
                "first_name": first,
                "last_name": last,
                "emails": [{"email": inbound.sender}],
                "owner": owner,
                "source": "other",
            }
        ),
    )


def _companies(contact: Contact) -> set[Any]:
    return set(ContactCompany.objects.filter(contact=contact).values_list("company_id", flat=True))


def _thread(inbound: Inbound, known: list[Contact]) -> tuple[Ticket | None, Contact | None]:
    """The ticket the message answers and, for a subject reference, the contact it was checked for."""
    if inbound.thread_ids:
        candidates = inbound.thread_ids + [i.strip("<>") for i in inbound.thread_ids]
        found = (
            TicketMessage.objects.filter(email_message_id__in=candidates)
            .select_related("ticket")
            .order_by("-created_at", "-id")
            .first()
        )
        if found is not None:
            return found.ticket, None
    referenced = tickets.find_by_reference(inbound.subject)
    if referenced is not None:
        for contact in known:
            if contact.pk == referenced.contact_id or (
                referenced.company_id is not None and referenced.company_id in _companies(contact)
            ):
                return referenced, contact
        log.info(
            "inbound mail: %s names ticket #%s but is not its customer; a new ticket is opened",
            inbound.sender,
            referenced.number,
        )
    return None, None


def _queue_for(inbound: Inbound, fallback: Queue | None) -> Queue:
    if inbound.recipients:
        match = Q()
        for address in inbound.recipients:
            match |= Q(email__iexact=address)
        addressed = Queue.objects.filter(match, active=True).order_by("name").first()
        if addressed is not None:
            return addressed
    if fallback is not None and fallback.active:
        return fallback
    return tickets.default_queue()


def _attach(message: TicketMessage, files: list[tuple[str, bytes]]) -> None:
    for name, data in files:
        try:
            attachments.attach_file(actor=None, record=message, upload=ContentFile(data, name=name), file_name=name)
        except ValidationError as exc:
            log.warning("inbound mail: attachment %r of message %s not kept: %s", name, message.pk, exc.messages)


def external_id_of(inbound: Inbound, raw: bytes) -> str:
    if inbound.message_id:
        return f"email:{inbound.message_id}"[:250]
    return "email-sha256:" + hashlib.sha256(raw).hexdigest()


def _refuse(strict: bool, reason: str) -> None:
    log.warning("inbound mail: %s; not taken", reason)
    if strict:
        raise ValidationError({"message": [reason]})


def receive(
    raw: bytes, *, queue: Queue | None = None, now: datetime.datetime | None = None, strict: bool = False
) -> TicketMessage | None:
    """File one raw e-mail as a new ticket or a reply to one. None when it is left alone (too large,
    unreadable, an auto-reply, a list, a bounce, our own mail coming back); each such case is
    logged with its reason. The same message a second time returns the message of the first.
    ``strict`` (a provider's post, which can be answered): a message too large or unreadable is a
    ValidationError on ``message`` instead."""
    if len(raw) > MAX_MESSAGE_BYTES:
        _refuse(
            strict,
            _("The message is larger than %(limit)s MB.") % {"limit": MAX_MESSAGE_BYTES // (1024 * 1024)},
        )
        return None
    try:
        inbound, message = parse(raw)
    except Exception:
        log.exception("inbound mail: a message could not be read")
        _refuse(strict, _("The message could not be read."))
        return None
    if not inbound.sender and not message.keys():
        _refuse(strict, _("This is not an e-mail message: it has no headers."))
        return None
    external_id = external_id_of(inbound, raw)
    known = TicketMessage.objects.filter(external_id=external_id).first()
    if known is not None:
        log.info("inbound mail: %s was taken already", external_id)
        return known
    reason = ignored_because(inbound, message)
    if reason:
        log.info("inbound mail from %r (%s) left alone: %s", inbound.sender, inbound.message_id, reason)
        return None
    body = inbound.text.strip()
    if not body:
        body = _("(attachments only)") if inbound.files else _("(no text)")
    if len(body) > tickets.BODY_LIMIT:
        log.info("inbound mail %s: text cut to %s characters", external_id, tickets.BODY_LIMIT)
        body = body[: tickets.BODY_LIMIT - 1] + "…"
    subject = inbound.subject or _("(no subject)")
    with transaction.atomic():
        contacts = contacts_with_address(inbound.sender)
        ticket, checked = _thread(inbound, contacts)
        if ticket is not None:
            contact = checked or (contacts[0] if contacts else _new_contact(inbound, ticket.queue))
            added = tickets.add_customer_message(
                ticket=ticket,
                body=body,
                channel=TicketChannel.EMAIL,
                contact=contact,
                email_message_id=inbound.message_id,
                email_from=inbound.sender,
                external_id=external_id,
                now=now,
            )
        else:
            target = _queue_for(inbound, queue)
            contact = contacts[0] if contacts else _new_contact(inbound, target)
            opened = tickets.create_ticket(
                actor=None,
                contact=contact,
                subject=subject[: tickets.SUBJECT_LIMIT],
                body=body,
                queue=target,
                channel=TicketChannel.EMAIL,
                email_message_id=inbound.message_id,
                email_from=inbound.sender,
                external_id=external_id,
                now=now,
            )
            added = opened.messages.get(external_id=external_id)
        _attach(added, inbound.files)
    return added


def compose(data: dict[str, Any]) -> bytes:
    """A raw message from a provider's parsed fields (``from``, ``to``, ``cc``, ``subject``,
    ``text``, ``html``, ``message_id``, ``in_reply_to``, ``references``), so it is filed exactly as
    mail read from a mailbox is."""
    message = EmailMessage(policy=policy.default.clone(raise_on_defect=False))
    headers = {
        "From": "from",
        "To": "to",
        "Cc": "cc",
        "Subject": "subject",
        "Message-ID": "message_id",
        "In-Reply-To": "in_reply_to",
        "References": "references",
    }
    errors: dict[str, list[str]] = {}
    for header, key in headers.items():
        value = data.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) if key in ("to", "cc") else " ".join(str(v) for v in value)
        if value in (None, ""):
            continue
        value = " ".join(str(value).split())
        if key in ("message_id", "in_reply_to", "references"):
            # Providers give the ids with or without their angle brackets.
            value = " ".join(i if i.startswith("<") else f"<{i}>" for i in value.split())
        try:
            message[header] = value
        except (ValueError, TypeError):
            errors[key] = [_("This value cannot be used in an e-mail header.")]
    if not data.get("from"):
        errors["from"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    text, html = str(data.get("text") or ""), str(data.get("html") or "")
    if text or not html:
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return message.as_bytes()
