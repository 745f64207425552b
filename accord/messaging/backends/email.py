"""E-mail through Django's default mailer (SMTP, or a provider through django-anymail)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.core.mail import EmailMultiAlternatives, mailers

from accord.messaging.backends import DeliveryError, Sent
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


def send(message: Message) -> Sent:
    shared = _shared.get()
    mailer = shared if shared is not None else _mailer()
    try:
        if shared is not None:
            # Opened before sending, the connection stays open after it (a backend that opens it
            # itself closes it again).
            shared.open()
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
