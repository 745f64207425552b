"""The e-mail writer (``backends/mime.py``): what it writes reads back, through Python's own strict
parser and a real SMTP server, as exactly what the message held; what it does not write goes
through Django's build."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.messaging.backends import mime
from accord.messaging.backends.email import _direct
from accord.messaging.models import Message, MessageAttachment
from accord.messaging.services import Outgoing, queue_many
from accord.messaging.services.delivery import deliver_due
from accord.messaging.tests.conftest import Inbox

# Text a customer's name, a subject or a body may hold: letters of the five languages, digits,
# punctuation, spaces and tabs, quotes, "=?" (which must not read as an encoded word), dots at the
# start of a line, long words.
_alphabet = st.sampled_from(
    list("abcXYZ019 .,;:!?-_'\"()<>@=\t") + list("ąćęłńóśźżĄŁŚŻąčėįšųūžČŠŽăâîșțĂÎȘȚжёщЖЁЩ€–—„“…") + ["=?", "\n."]
)
_text = st.lists(_alphabet, max_size=200).map("".join)
_line = _text.map(lambda s: s.replace("\n", " ").replace("\t", " "))
# A sender's display name as the settings give it (``Name <address>``, no quotes needed): words of
# up to 20 letters (a longer one is cut into encoded words, and Python's reader shows a space there).
_word = st.lists(st.sampled_from(list("abcXYZ019-") + list("ąłŚčėșțжЁ")), min_size=1, max_size=20).map("".join)
_name = st.lists(_word, max_size=4).map(" ".join)


def _parse(raw: bytes) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    assert not parsed.defects, parsed.defects
    return parsed


def _texts(parsed: email.message.EmailMessage) -> tuple[str, str]:
    """The text and HTML parts' lines (Python's parser keeps the wire's CRLF inside decoded text)."""
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None
    rich = html.get_content() if html is not None else ""
    return plain.get_content().replace("\r\n", "\n"), rich.replace("\r\n", "\n")


def _normal(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if not text or text.endswith("\n") else text + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=_line, body=_text, html=_text, name=_name)
def test_what_it_writes_reads_back_as_written(subject: str, body: str, html: str, name: str) -> None:
    raw = mime.render(
        from_address=f"{name} <sales@accord.example>" if name.strip() else "sales@accord.example",
        to="zofia@zolta.example",
        subject=subject,
        text=body,
        html=html,
        message_id="<m1@accord.example>",
        reply_to="Biuro <biuro@accord.example>",
        language="pl",
        headers={"List-Unsubscribe": "<https://crm.example/marketing/u/abc/>"},
    )
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 or b" " not in line.strip() for line in head.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line ends CRLF
    parsed = _parse(raw)
    assert str(parsed["Subject"]).strip() == subject.strip()
    assert parsed["To"].addresses[0].addr_spec == "zofia@zolta.example"
    assert parsed["From"].addresses[0].addr_spec == "sales@accord.example"
    if name.strip():
        assert " ".join(parsed["From"].addresses[0].display_name.split()) == " ".join(name.split())
    assert parsed["Message-ID"] == "<m1@accord.example>"
    assert parsed["Content-Language"] == "pl"
    assert parsed["List-Unsubscribe"] == "<https://crm.example/marketing/u/abc/>"
    plain, rich = _texts(parsed)
    assert plain == _normal(body)
    assert rich == _normal(html)


def test_a_plain_ascii_message_is_seven_bit_and_readable() -> None:
    raw = mime.render(from_address="a@x.example", to="b@y.example", subject="Hello", text="Your invoice.\n")
    assert b"Content-Transfer-Encoding: 7bit" in raw
    assert b"multipart" not in raw
    assert raw.endswith(b"\r\n\r\nYour invoice.\r\n")


def test_a_long_subject_is_folded_and_kept_whole() -> None:
    subject = ("Przypomnienie o zaległej płatności za fakturę FV/2026/12/000123 " * 4).strip()
    raw = mime.render(from_address="a@x.example", to="b@y.example", subject=subject, text="x")
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert str(_parse(raw)["Subject"]) == subject.strip()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hello\r\nBcc: victim@example.com"),
        ("to", "b@y.example\nBcc: victim@example.com"),
        ("to", "żółw@y.example"),
        ("to", "not an address"),
        ("from_address", "Sales <sales@bücher.example>"),
    ],
)
def test_what_it_does_not_write_is_refused(field: str, value: str) -> None:
    values: dict[str, Any] = {"from_address": "a@x.example", "to": "b@y.example", "subject": "s", "text": "t"}
    values[field] = value
    with pytest.raises(mime.Unsupported):
        mime.render(**values)


@pytest.mark.django_db
def test_sent_through_a_real_server_as_written(smtp: Inbox) -> None:
    with transaction.atomic():
        (message,) = queue_many(
            actor=None,
            items=[
                Outgoing(
                    "email",
                    "zofia@zolta.example",
                    "Zaległa płatność — FV/1",
                    "k:1",
                    body="Dzień dobry,\n.\nproszę o wpłatę.",
                    body_html="<p>Dzień dobry</p>",
                    language="pl",
                )
            ],
        )
    assert deliver_due() == 1
    (received,) = smtp.messages
    assert received["Subject"] == "Zaległa płatność — FV/1"
    assert received["Message-ID"] == Message.objects.get(pk=message.pk).external_id
    plain, rich = _texts(received)
    assert plain == "Dzień dobry,\n.\nproszę o wpłatę.\n"  # the lone dot survives SMTP's escaping
    assert rich == "<p>Dzień dobry</p>\n"
    assert smtp.envelopes[0].rcpt_tos == ["zofia@zolta.example"]


@pytest.mark.django_db
def test_a_message_with_an_attachment_goes_through_djangos_build(smtp: Inbox) -> None:
    with transaction.atomic():
        (message,) = queue_many(actor=None, items=[Outgoing("email", "zofia@zolta.example", "Faktura", "k:2")])
        MessageAttachment.objects.create(
            message=message, filename="faktura.pdf", content_type="application/pdf", content=b"%PDF-1.4"
        )
    assert _direct(object(), message) is None  # not an SMTP mailer
    assert deliver_due() == 1
    (received,) = smtp.messages
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_filename() == "faktura.pdf"
    assert attachment.get_content() == b"%PDF-1.4"
