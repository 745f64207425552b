"""Messages with shared words: one copy of the text for many recipients, each message personalised
with its own variables when it is sent, the same through a real SMTP server, on the timeline and
in the outbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from accord.activities.models import Interaction
from accord.messaging.models import Message, MessageContent
from accord.messaging.services import Outgoing, queue_many
from accord.messaging.services.delivery import deliver_due
from accord.messaging.tests.conftest import Inbox

pytestmark = pytest.mark.django_db

TEXT = "Dzień dobry {{ first_name }},\n{% if vip %}dla Ciebie -20%.{% else %}nowa oferta.{% endif %}"
HTML = "<p>Dzień dobry {{ first_name }}</p>"


def _queue(contacts: list[Any], content: MessageContent) -> list[Message]:
    with transaction.atomic():
        return queue_many(
            actor=None,
            items=[
                Outgoing(
                    "email",
                    f"c{i}@example.com",
                    f"Oferta dla {c.first_name}",
                    f"offer:{i}",
                    contact=c,
                    language="pl",
                    content=content,
                    context={"first_name": c.first_name, "vip": i == 0},
                )
                for i, c in enumerate(contacts)
            ],
        )


def test_each_recipient_gets_the_shared_words_with_their_own_variables(
    smtp: Inbox, owner: Any, admin_user: Any, make_contact: Any, login: Any
) -> None:
    content = MessageContent.objects.create(body_text=TEXT, body_html=HTML)
    contacts = [make_contact(owner, first_name=name, last_name="Nowak") for name in ("Zofia", "<b>Jan</b>")]
    queued = _queue(contacts, content)
    # The rows hold the variables, not the text.
    assert Message.objects.filter(pk__in=[m.pk for m in queued], body="", body_html="").count() == 2

    assert deliver_due() == 2
    received = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    zofia = received["c0@example.com"].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert zofia == "Dzień dobry Zofia,\ndla Ciebie -20%.\n"
    jan = received["c1@example.com"]
    assert jan.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Dzień dobry <b>Jan</b>,\nnowa oferta.\n"
    # The HTML escapes what a recipient's variables hold.
    assert "Dzień dobry &lt;b&gt;Jan&lt;/b&gt;" in jan.get_body(("html",)).get_content()

    # The timeline shows what each one was sent.
    entry = Interaction.objects.get(contact=contacts[0])
    assert entry.body == "Dzień dobry Zofia,\ndla Ciebie -20%."
    # So does the outbox, to an administrator.
    page = login(admin_user).get(reverse("messaging:outbox-message", args=[queued[1].pk]))
    assert page.status_code == 200
    assert "nowa oferta." in page.content.decode()


def test_a_shared_text_goes_by_sms_personalised(owner: Any, make_contact: Any, tmp_path: Any, settings: Any) -> None:
    settings.ACCORD_SMS_BACKEND = "file"
    settings.ACCORD_SMS_FILE_DIR = tmp_path
    content = MessageContent.objects.create(body_text="Hej {{ first_name }}!")
    contact = make_contact(owner, first_name="Ona")
    with transaction.atomic():
        queue_many(
            actor=None,
            items=[Outgoing("sms", "+48 601 234 567", "", "sms:1", content=content, context={"first_name": "Ona"})],
        )
    assert deliver_due() == 1
    written = [p.read_text() for p in tmp_path.iterdir()]
    assert len(written) == 1
    assert json.loads(written[0])["message"] == "Hej Ona!"
    assert contact.pk is not None
