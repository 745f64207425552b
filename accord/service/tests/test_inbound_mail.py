"""Inbound e-mail: headers and bodies in the customers' charsets, HTML-only mail, the quoted
earlier message left out, attachments kept; replies threaded by In-Reply-To/References and by the
subject's reference (never into a stranger's ticket); the sender matched to a contact or a contact
made; each message taken once; auto-replies, lists, bounces and loops left alone; the providers'
webhook with its token, raw MIME and JSON."""

from __future__ import annotations

import json
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.core.models import Attachment
from accord.people.models import Contact
from accord.service.models import Queue, Ticket, TicketMessage
from accord.service.services import inbound_mail, tickets

pytestmark = pytest.mark.django_db

# A PNG big enough not to pass for a signature's logo, and a tiny one that does.
BIG_PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
LOGO_PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200


def mail(
    *,
    sender: str = "Anna Nowak <anna@example.com>",
    to: str = "support@accord.test",
    subject: str = "Printer does not print",
    text: str | None = "It blinks red.",
    html: str | None = None,
    message_id: str | None = "<m1@customer.test>",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    return message


def raw_mail(**kwargs: Any) -> bytes:
    return mail(**kwargs).as_bytes()


@pytest.fixture
def queue(db: Any) -> Queue:
    return Queue.objects.create(name="Support", email="support@accord.test", is_default=True)


@pytest.fixture
def customer(make_contact: Any, owner: Any) -> Contact:
    return make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.com"}])


# --- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("charset", "name", "subject", "body"),
    [
        ("iso-8859-2", "Zażółć Gęślą", "Drukarka nie działa, proszę o pomoc", "Świeci się na czerwono. Łódź, żółw."),
        ("koi8-r", "Пётр Иванов", "Принтер не печатает", "Мигает красным. Что делать?"),
        ("windows-1251", "Ольга Смирнова", "Счёт не пришёл", "Добрый день, где мой счёт?"),
        ("iso-8859-13", "Žydrūnė Šimkutė", "Spausdintuvas neveikia", "Mirksi raudonai, ačiū už pagalbą."),
        ("iso-8859-16", "Ștefan Țăranu", "Imprimanta nu merge", "Clipește roșu, mulțumesc pentru ajutor."),
    ],
)
def test_headers_and_text_in_the_customers_charsets(
    queue: Queue, admin_user: Any, charset: str, name: str, subject: str, body: str
) -> None:
    raw = (
        f"From: {Header(name, charset).encode()} <someone@example.com>\r\n"
        f"To: support@accord.test\r\n"
        f"Subject: {Header(subject, charset).encode()}\r\n"
        f"Message-ID: <{charset}@customer.test>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("ascii") + body.encode(charset)
    message = inbound_mail.receive(raw)
    assert message is not None
    assert message.ticket.subject == subject
    assert message.body == body
    assert message.email_from == "someone@example.com"
    contact = message.ticket.contact
    assert f"{contact.first_name} {contact.last_name}" == name
    assert contact.primary_email == "someone@example.com"
    assert contact.owner_id == admin_user.pk


def test_a_wrongly_declared_charset_is_guessed(queue: Queue, admin_user: Any) -> None:
    raw = (
        b"From: someone@example.com\r\nSubject: x\r\nMessage-ID: <bad@c>\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ) + "Zażółć gęślą jaźń, drukarka nie drukuje od wczoraj.".encode()
    message = inbound_mail.receive(raw)
    assert message is not None
    assert message.body == "Zażółć gęślą jaźń, drukarka nie drukuje od wczoraj."


def test_html_only_mail_becomes_plain_text(queue: Queue, admin_user: Any) -> None:
    html = (
        "<html><head><style>p {color: red}</style><title>x</title></head><body>"
        "<script>alert('x')</script><p>Hello,</p><p>the <b>printer</b> &amp; the scanner are down.</p>"
        '<ul><li>one</li><li>two</li></ul><p><a href="https://example.com/manual">manual</a></p></body></html>'
    )
    message = inbound_mail.receive(raw_mail(text=None, html=html))
    assert message is not None
    assert message.body == (
        "Hello,\n\nthe printer & the scanner are down.\n\n- one\n\n- two\n\nmanual (https://example.com/manual)"
    )
    assert "<" not in message.body
    assert "alert" not in message.body


def test_plain_text_is_preferred_to_html(queue: Queue, admin_user: Any) -> None:
    message = inbound_mail.receive(raw_mail(text="Plain words.", html="<p>Rich words.</p>"))
    assert message is not None
    assert message.body == "Plain words."


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Thanks, it works now.\n\nOn Mon, 7 Dec 2026 at 10:00, Support <support@accord.test> wrote:\n> Restart it.",
            "Thanks, it works now.",
        ),
        (
            "Dziękuję, działa.\n\nW dniu 7.12.2026 o 10:00, Obsługa <obsluga@x.pl> napisał:\n> Proszę zrestartować.",
            "Dziękuję, działa.",
        ),
        (
            "Спасибо, работает.\n\n7 декабря 2026 г., 10:00 пользователь Поддержка написал(а):\n> Перезагрузите.",
            "Спасибо, работает.",
        ),
        ("Still broken.\n\n> Restart it.\n> Then try again.\n", "Still broken."),
        (
            "It works.\n\nOn Mon, 7 Dec 2026 at 10:00, Support Team <support@accord.test>\nwrote:\n> Restart it.",
            "It works.",
        ),
        (
            "Fine now.\n________________________________\nFrom: Support <support@x.test>\nSent: Monday\nRestart it.",
            "Fine now.",
        ),
        ("> only a quote\n> nothing else", "> only a quote\n> nothing else"),
        ("Answer:\n> question one\nyes\n> question two\nno", "Answer:\n> question one\nyes\n> question two\nno"),
    ],
)
def test_the_quoted_earlier_message_is_left_out(text: str, kept: str) -> None:
    assert inbound_mail.strip_quoted(text) == kept


def test_attachments_are_kept_and_signature_logos_are_not(queue: Queue, admin_user: Any, private_files: Any) -> None:
    message = mail(text="See the photo and the invoice.")
    message.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="faktura ł.pdf")
    message.add_attachment(BIG_PNG, maintype="image", subtype="png", filename="photo.png")
    message.add_attachment(LOGO_PNG, maintype="image", subtype="png", disposition="inline", cid="<logo@sig>")
    filed = inbound_mail.receive(message.as_bytes())
    assert filed is not None
    assert filed.body == "See the photo and the invoice."
    stored = {a.file_name: a for a in Attachment.objects.filter(record_id=filed.pk)}
    assert set(stored) == {"faktura ł.pdf", "photo.png"}
    assert stored["photo.png"].size == len(BIG_PNG)
    assert stored["faktura ł.pdf"].mime_type == "application/pdf"
    assert (private_files / stored["photo.png"].storage_name).read_bytes() == BIG_PNG


def test_a_message_with_only_an_attachment_still_opens_a_ticket(
    queue: Queue, admin_user: Any, private_files: Any
) -> None:
    message = mail(text="")
    message.add_attachment(b"%PDF-1.4 x", maintype="application", subtype="pdf", filename="scan.pdf")
    filed = inbound_mail.receive(message.as_bytes())
    assert filed is not None
    assert filed.body == "(attachments only)"
    assert Attachment.objects.filter(record_id=filed.pk).count() == 1


# --- threading ---------------------------------------------------------------------------------------


def test_a_reply_to_an_agents_answer_joins_the_ticket(queue: Queue, support: Any, customer: Contact) -> None:
    first = inbound_mail.receive(raw_mail())
    assert first is not None
    answer = tickets.reply(actor=support, ticket=first.ticket, body="Please restart it.", status="waiting")
    reply = inbound_mail.receive(
        raw_mail(
            subject="Re: Printer does not print",
            text="Restarted, still red.\n\nOn Mon, Support wrote:\n> Please restart it.",
            message_id="<m2@customer.test>",
            headers={
                "In-Reply-To": answer.email_message_id,
                "References": f"<m1@customer.test> {answer.email_message_id}",
            },
        )
    )
    assert reply is not None
    assert reply.ticket_id == first.ticket_id
    assert reply.body == "Restarted, still red."
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert ticket.status == "open"  # it waited for the customer, who answered
    assert Ticket.objects.count() == 1


def test_references_alone_find_the_ticket(queue: Queue, customer: Contact) -> None:
    first = inbound_mail.receive(raw_mail())
    assert first is not None
    again = inbound_mail.receive(
        raw_mail(
            subject="something else",
            message_id="<m3@customer.test>",
            headers={"References": "<unknown@x> m1@customer.test <m1@customer.test>"},
        )
    )
    assert again is not None
    assert again.ticket_id == first.ticket_id


def test_the_subject_reference_threads_the_customer_and_their_colleague(
    queue: Queue, owner: Any, make_contact: Any, make_company: Any
) -> None:
    company = make_company(owner, name="Acme")
    anna = make_contact(
        owner,
        first_name="Anna",
        last_name="Nowak",
        emails=[{"email": "anna@example.com"}],
        companies=[{"company": company}],
    )
    make_contact(
        owner,
        first_name="Piotr",
        last_name="Lis",
        emails=[{"email": "piotr@example.com"}],
        companies=[{"company": company}],
    )
    first = inbound_mail.receive(raw_mail())
    assert first is not None
    assert first.ticket.contact_id == anna.pk
    assert first.ticket.company_id == company.pk
    number = first.ticket.number
    by_her = inbound_mail.receive(raw_mail(subject=f"Re: Printer [#{number}]", message_id="<m4@c>"))
    by_colleague = inbound_mail.receive(
        raw_mail(sender="Piotr Lis <piotr@example.com>", subject=f"Re: Printer [#{number}]", message_id="<m5@c>")
    )
    assert by_her is not None
    assert by_colleague is not None
    assert by_her.ticket_id == by_colleague.ticket_id == first.ticket_id
    assert by_colleague.contact.first_name == "Piotr"


def test_a_strangers_guessed_reference_opens_a_new_ticket(queue: Queue, customer: Contact, admin_user: Any) -> None:
    first = inbound_mail.receive(raw_mail())
    assert first is not None
    guess = inbound_mail.receive(
        raw_mail(
            sender="Mallory <mallory@evil.test>",
            subject=f"Re: [#{first.ticket.number}] give me the data",
            message_id="<guess@evil.test>",
        )
    )
    assert guess is not None
    assert guess.ticket_id != first.ticket_id
    assert guess.ticket.contact.primary_email == "mallory@evil.test"
    assert first.ticket.messages.count() == 1


def test_a_new_ticket_lands_in_the_queue_it_was_sent_to(queue: Queue, customer: Contact) -> None:
    billing = Queue.objects.create(name="Billing", email="billing@accord.test")
    to_billing = inbound_mail.receive(raw_mail(to="Billing <BILLING@accord.test>", message_id="<b1@c>"))
    delivered = inbound_mail.receive(
        raw_mail(to="undisclosed-recipients:;", message_id="<b2@c>", headers={"Delivered-To": "billing@accord.test"})
    )
    elsewhere = inbound_mail.receive(raw_mail(to="someone@else.test", message_id="<b3@c>"), queue=billing)
    nowhere = inbound_mail.receive(raw_mail(to="someone@else.test", message_id="<b4@c>"))
    assert to_billing is not None
    assert delivered is not None
    assert elsewhere is not None
    assert nowhere is not None
    assert to_billing.ticket.queue == billing
    assert delivered.ticket.queue == billing
    assert elsewhere.ticket.queue == billing
    assert nowhere.ticket.queue == queue


# --- the sender -------------------------------------------------------------------------------------


def test_the_most_recently_changed_contact_with_the_address_is_the_sender(
    queue: Queue, owner: Any, make_contact: Any
) -> None:
    make_contact(owner, first_name="Old", last_name="Record", emails=[{"email": "Anna@Example.com"}])
    newer = make_contact(owner, first_name="New", last_name="Record", emails=[{"email": "anna@example.com"}])
    filed = inbound_mail.receive(raw_mail())
    assert filed is not None
    assert filed.ticket.contact_id == newer.pk
    assert Contact.objects.count() == 2


def test_an_unknown_sender_becomes_a_contact_owned_by_the_queues_agent(queue: Queue, support: Any) -> None:
    queue.agents.add(support)
    filed = inbound_mail.receive(raw_mail(sender='"Kowalski, Jan" <jan@example.com>'))
    assert filed is not None
    contact = filed.ticket.contact
    assert (contact.first_name, contact.last_name) == ("Jan", "Kowalski")
    assert contact.owner_id == support.pk
    assert list(contact.emails.values_list("email", flat=True)) == ["jan@example.com"]
    nameless = inbound_mail.receive(raw_mail(sender="bob.smith@example.com", message_id="<n2@c>"))
    assert nameless is not None
    assert nameless.ticket.contact.last_name == "bob.smith"


def test_without_anyone_to_own_a_new_contact_the_message_is_refused(queue: Queue) -> None:
    with pytest.raises(ValidationError) as caught:
        inbound_mail.receive(raw_mail())
    assert "from" in caught.value.message_dict
    assert not Ticket.objects.exists()
    assert not Contact.objects.exists()


# --- taken once, and what is left alone --------------------------------------------------------------


def test_the_same_message_twice_is_one_ticket(queue: Queue, customer: Contact) -> None:
    raw = raw_mail()
    first = inbound_mail.receive(raw)
    second = inbound_mail.receive(raw)
    assert first is not None
    assert second is not None
    assert first.pk == second.pk
    assert TicketMessage.objects.count() == 1
    assert first.external_id == "email:<m1@customer.test>"
    no_id = raw_mail(message_id=None, subject="No id")
    assert inbound_mail.receive(no_id) == inbound_mail.receive(no_id)
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "extra",
    [
        {"headers": {"Auto-Submitted": "auto-replied"}},
        {"headers": {"Precedence": "bulk"}},
        {"headers": {"Precedence": "list"}},
        {"headers": {"X-Autoreply": "yes"}},
        {"headers": {"Return-Path": "<>"}},
        {"sender": "MAILER-DAEMON@mx.example.com"},
        {"sender": "accord@localhost"},
        {"sender": "Support <support@accord.test>"},
    ],
)
def test_auto_replies_lists_bounces_and_loops_are_left_alone(queue: Queue, customer: Contact, extra: Any) -> None:
    assert inbound_mail.receive(raw_mail(**extra)) is None
    assert not Ticket.objects.exists()


def test_a_human_reply_marked_auto_submitted_no_is_taken(queue: Queue, customer: Contact) -> None:
    assert inbound_mail.receive(raw_mail(headers={"Auto-Submitted": "no"})) is not None


def test_a_delivery_status_report_is_left_alone(queue: Queue, customer: Contact) -> None:
    raw = (
        b"From: anna@example.com\r\nSubject: Undelivered\r\nMessage-ID: <dsn@c>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; x@y\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n--b--\r\n"
    )
    assert inbound_mail.receive(raw) is None
    assert not Ticket.objects.exists()


def test_too_large_or_unreadable_mail_is_refused_without_a_crash(
    queue: Queue, customer: Contact, monkeypatch: Any
) -> None:
    monkeypatch.setattr(inbound_mail, "MAX_MESSAGE_BYTES", 1000)
    assert inbound_mail.receive(raw_mail(text="x" * 2000)) is None
    assert inbound_mail.receive(b"") is None
    with pytest.raises(ValidationError) as caught:
        inbound_mail.receive(raw_mail(text="x" * 2000), strict=True)
    assert "message" in caught.value.message_dict
    assert not Ticket.objects.exists()


def test_a_very_long_text_is_cut_not_refused(queue: Queue, customer: Contact) -> None:
    filed = inbound_mail.receive(raw_mail(text="word " * 30_000))
    assert filed is not None
    assert len(filed.body) == tickets.BODY_LIMIT
    assert filed.body.endswith("…")


# --- the providers' webhook ------------------------------------------------------------------------------


@pytest.fixture
def token(settings: Any) -> str:
    settings.ACCORD_SERVICE_INBOUND_TOKEN = "s3cret-token"
    return "s3cret-token"


TOKEN = "s3cret-token"


def _post(client: Any, body: Any, content_type: str, token: str | None = TOKEN, query: str = "") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token and not query else {}
    return client.post(reverse("service:mail-inbound") + query, body, content_type=content_type, **headers)


def test_the_webhook_is_off_without_a_token_and_refuses_a_wrong_one(client: Any, settings: Any) -> None:
    settings.ACCORD_SERVICE_INBOUND_TOKEN = ""
    assert _post(client, raw_mail(), "message/rfc822").status_code == 404
    settings.ACCORD_SERVICE_INBOUND_TOKEN = "s3cret-token"
    assert _post(client, raw_mail(), "message/rfc822", token="wrong").status_code == 401
    assert _post(client, raw_mail(), "message/rfc822", token=None).status_code == 401
    assert client.get(reverse("service:mail-inbound")).status_code == 405
    assert not Ticket.objects.exists()


def test_the_webhook_takes_raw_mime(client: Any, token: str, queue: Queue, customer: Contact) -> None:
    response = _post(client, raw_mail(), "message/rfc822")
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert response.json()["ticket"] == ticket.number
    again = _post(client, raw_mail(), "message/rfc822", query=f"?token={token}")
    assert again.json()["ticket"] == ticket.number
    assert Ticket.objects.count() == 1


def test_the_webhook_takes_a_form_field_with_the_raw_message(
    client: Any, token: str, queue: Queue, customer: Contact
) -> None:
    raw = raw_mail(subject="Zamówienie nie dotarło", text="Gdzie jest paczka?")
    response = client.post(
        reverse("service:mail-inbound"), {"email": raw.decode(), "to": "x"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert Ticket.objects.get().subject == "Zamówienie nie dotarło"


def test_the_webhook_takes_json_and_threads_it(client: Any, token: str, queue: Queue, customer: Contact) -> None:
    first = _post(
        client,
        {
            "from": "Anna Nowak <anna@example.com>",
            "to": ["support@accord.test"],
            "subject": "Login fails",
            "html": "<p>I cannot <b>log in</b>.</p>",
            "message_id": "j1@customer.test",
        },
        "application/json",
    )
    assert first.status_code == 200, first.content
    ticket = Ticket.objects.get()
    assert ticket.messages.get().body == "I cannot log in."
    second = _post(
        client,
        {
            "from": "anna@example.com",
            "subject": "Re: Login fails",
            "text": "Works now.",
            "message_id": "<j2@customer.test>",
            "references": ["<other@x>", "j1@customer.test"],
        },
        "application/json",
    )
    assert second.json()["ticket"] == ticket.number
    third = _post(
        client,
        {
            "from": "anna@example.com",
            "subject": "x",
            "text": "Thanks!",
            "message_id": "j4@c",
            "in_reply_to": "j2@customer.test",
        },
        "application/json",
    )
    assert third.json()["ticket"] == ticket.number
    assert ticket.messages.count() == 3
    ignored = _post(
        client, {"from": "accord@localhost", "subject": "loop", "text": "x", "message_id": "<j3@c>"}, "application/json"
    )
    assert ignored.status_code == 200
    assert ignored.json() == {"ticket": None, "filed": False}


def test_the_webhook_answers_400_for_unreadable_input(client: Any, token: str, queue: Queue) -> None:
    bad_json = _post(client, b"{not json", "application/json")
    assert bad_json.status_code == 400
    assert "body" in bad_json.json()["errors"]
    no_sender = _post(client, json.dumps({"subject": "x", "text": "y"}), "application/json")
    assert no_sender.status_code == 400
    assert "from" in no_sender.json()["errors"]
    nothing = client.post(reverse("service:mail-inbound"), {"other": "x"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert nothing.status_code == 400
    assert "email" in nothing.json()["errors"]
    garbage = _post(client, b"just some words, not an e-mail", "message/rfc822")
    assert garbage.status_code == 400
    assert "message" in garbage.json()["errors"]
    assert not Ticket.objects.exists()


def test_an_address_with_a_display_name_in_any_charset(queue: Queue, admin_user: Any) -> None:
    sender = formataddr(("Jūratė Kazlauskienė", "jurate@example.lt"))
    filed = inbound_mail.receive(raw_mail(sender=sender))
    assert filed is not None
    assert (filed.ticket.contact.first_name, filed.ticket.contact.last_name) == ("Jūratė", "Kazlauskienė")
