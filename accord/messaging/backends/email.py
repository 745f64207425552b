"""E-mail through Django's default mailer (SMTP, or a provider through django-anymail)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from accord.messaging.backends import DeliveryError, Sent, mime
from accord.messaging.models import Message

# A mail server that hangs must not hold the worker (and the message's lease) for long.
TIMEOUT = 30


def build(message: Message) -> EmailMultiAlternatives:
    # Extra headers first: the ones the outbox owns win (queue_message refuses them anyway).
    headers = {**(message.headers or {}), "Message-ID": message.external_id}
    if message.language:
        headers["Content-Language"] = message.language
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_address or None,
        to=[message.to_address],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=headers,
    )
    # A provider (django-anymail) hands this back in its delivery and bounce reports.
    mail.metadata = {"accord_message": str(message.pk)}  # type: ignore[attr-defined]
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments.all():
        mail.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return mail


# The mail server connection ``one_connection`` keeps open for the messages sent inside it.
_shared: contextvars.ContextVar[Any] = contextvars.ContextVar("accord_open_mailer", default=None)


def _mailer() -> Any:
    mailer = mailers.default
    if hasattr(mailer, "timeout") and mailer.timeout is None:
        mailer.timeout = TIMEOUT
    return mailer


@contextlib.contextmanager
def one_connection() -> Iterator[None]:
    """Send the e-mails of the block over one connection to the mail server (a worker sending a
    run of messages saves a connection and a greeting per message). A failure drops it; the next
    message opens a new one."""
    token = _shared.set(_mailer())
    try:
        yield
    finally:
        mailer = _shared.get()
        _shared.reset(token)
        if mailer is not None:
            with contextlib.suppress(Exception):
                mailer.close()


def _direct(mailer: Any, message: Message) -> bool | None:
    """Send ``message`` over an SMTP mailer's open connection with the bytes ``mime`` writes:
    True when the server took it, None when ``mime`` does not write such a message (Django's build
    sends it instead). The mailer must be open."""
    if not isinstance(mailer, SmtpBackend) or mailer.connection is None:
        return None
    if message.pk is not None and message.attachments.all():
        return None
    sender = message.from_address or settings.DEFAULT_FROM_EMAIL
    try:
        raw = mime.render(
            from_address=sender,
            to=message.to_address,
            subject=message.subject,
            text=message.body,
            html=message.body_html,
            message_id=message.external_id,
            reply_to=message.reply_to,
            language=message.language,
            headers=message.headers,
            localtime=settings.EMAIL_USE_LOCALTIME,
        )
        envelope_from = mime.address_only(sender)
        envelope_to = mime.address_only(message.to_address)
    except mime.Unsupported:
        return None
    mailer.connection.sendmail(envelope_from, [envelope_to], raw)
    return True


def send(message: Message) -> Sent:
    shared = _shared.get()
    mailer = shared if shared is not None else _mailer()
    try:
        if shared is not None:
            # Opened before sending, the connection stays open after it (a backend that opens it
            # itself closes it again).
            shared.open()
        taken = _direct(mailer, message) if shared is not None else None
        if taken is None:
            taken = mailer.send_messages([build(message)])
    except Exception as exc:  # smtplib, socket and provider errors alike
        if shared is not None:
            with contextlib.suppress(Exception):
                shared.close()
            _shared.set(_mailer())  # a fresh connection for the next message
        raise DeliveryError(exc.__class__.__name__ + (f": {exc}" if str(exc) else "")) from exc
    if not taken:
        raise DeliveryError("the mail server took nothing")
    # Providers give their own id (anymail's status); ours, the Message-ID, stays the message's key.
    return Sent(external_id=message.external_id)
