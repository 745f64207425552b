"""Quote screens: the deal's quotes panel, the quote's page, sending, deciding, revising, the list."""

from __future__ import annotations

import datetime

from django.core import mail
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accord.messaging.models import Message
from accord.messaging.services.delivery import deliver_due
from accord.sales.models import Deal, Quote
from accord.sales.services import quotes as services
from accord.sales.tests.test_quotes import make_deal, sent_quote
from accord.sales.tests.test_quotes_pdf_mail import free_port


def test_the_deal_panel_lists_its_quotes_and_offers_to_make_one(rf, owner):
    deal = make_deal(owner)
    quote = sent_quote(owner, deal)
    request = rf.get("/")
    request.user = owner

    html = render_to_string("sales/_deal_quotes.html", {"deal": deal, "can_change": True}, request=request)

    assert quote.label in html
    assert reverse("sales:quote-create", args=[deal.pk]) in html
    assert reverse("sales:quote-pdf", args=[quote.pk]) in html
    assert "Sent" in html


def test_create_quote_button_makes_a_quote_and_opens_it(login, owner):
    deal = make_deal(owner)

    response = login(owner).post(reverse("sales:quote-create", args=[deal.pk]))

    quote = Quote.objects.get(deal=deal)
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:quote-detail", args=[quote.pk])


def test_a_deal_without_lines_says_why_no_quote_was_made(login, owner):
    deal = Deal.objects.create(
        name="Empty", pipeline=make_deal(owner).pipeline, stage=make_deal(owner).stage, owner=owner, currency="PLN"
    )
    client = login(owner)

    response = client.post(reverse("sales:quote-create", args=[deal.pk]))
    # The message waits for the next page shown (the deal's page is another screen's; any page will do).
    shown = client.get(reverse("sales:quote-list")).content.decode()

    assert response.status_code == 302
    assert response["Location"] == reverse("sales:deal-detail", args=[deal.pk])
    assert Quote.objects.filter(deal=deal).count() == 0
    assert "Add the products or services to the deal before quoting it." in shown


def test_the_quote_page_shows_lines_vat_per_rate_and_totals(login, owner):
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))

    page = login(owner).get(reverse("sales:quote-detail", args=[quote.pk])).content.decode()

    assert quote.number in page
    assert "Zażółć gęślą jaźń licence" in page
    assert "1,554.97" in page  # net at 23%
    assert "2,320.88 PLN" in page
    assert reverse("sales:quote-pdf", args=[quote.pk]) in page
    assert reverse("sales:quote-send", args=[quote.pk]) in page


def test_the_send_form_is_prefilled_with_the_deals_contact_and_sends(login, owner, make_contact):
    contact = make_contact(owner, emails=[{"email": "ewa@example.com"}])
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, contacts=[contact]))
    client = login(owner)

    form = client.get(reverse("sales:quote-send", args=[quote.pk]))
    sent = client.post(
        reverse("sales:quote-send", args=[quote.pk]),
        {"to": "ewa@example.com", "subject": "Our offer", "message": "Hello", "version": quote.version},
    )

    assert 'value="ewa@example.com"' in form.content.decode()
    assert sent.status_code == 302
    assert Quote.objects.get(pk=quote.pk).status == "sent"
    assert mail.outbox == []  # queued: the worker sends it
    deliver_due()
    assert mail.outbox[0].subject == "Our offer"


def test_a_mail_server_that_is_down_leaves_the_quote_sent_and_its_e_mail_queued_for_a_retry(login, owner):
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))
    down = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port()},
        }
    }

    with override_settings(MAILERS=down):
        response = login(owner).post(reverse("sales:quote-send", args=[quote.pk]), {"to": "a@example.com"})
        deliver_due()

    assert response.status_code == 302
    assert Quote.objects.get(pk=quote.pk).status == "sent"
    message = Message.objects.get(kind="quote")
    assert (message.state, message.attempts, message.to_address) == ("queued", 1, "a@example.com")
    assert "ConnectionRefusedError" in message.error


def test_accepting_from_the_page_can_win_the_deal(login, owner):
    quote = sent_quote(owner, make_deal(owner))

    login(owner).post(
        reverse("sales:quote-accept", args=[quote.pk]), {"note": "Signed", "win_deal": "on", "version": quote.version}
    )

    quote.refresh_from_db()
    assert (quote.status, quote.deal.status) == ("accepted", "won")


def test_declining_and_revising_from_the_page(login, owner):
    quote = sent_quote(owner, make_deal(owner))
    client = login(owner)

    client.post(reverse("sales:quote-decline", args=[quote.pk]), {"note": "Too dear"})
    revised = client.post(reverse("sales:quote-revise", args=[quote.pk]))

    new = Quote.objects.get(number=quote.number, revision=2)
    assert Quote.objects.get(pk=quote.pk).status == "declined"
    assert revised["Location"] == reverse("sales:quote-detail", args=[new.pk])


def test_an_expired_quote_is_marked_and_offers_no_acceptance(login, owner):
    quote = sent_quote(owner, make_deal(owner))
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=2))

    page = login(owner).get(reverse("sales:quote-detail", args=[quote.pk])).content.decode()
    refused = login(owner).post(reverse("sales:quote-accept", args=[quote.pk]), follow=True).content.decode()

    assert "Expired" in page
    assert reverse("sales:quote-accept", args=[quote.pk]) not in page
    assert "expired" in refused
    assert Quote.objects.get(pk=quote.pk).status == "sent"


def test_another_team_gets_404_everywhere_and_changes_nothing(login, owner, outsider):
    deal = make_deal(owner)
    quote = sent_quote(owner, deal)
    client = login(outsider)

    answers = [
        client.get(reverse("sales:quote-detail", args=[quote.pk])).status_code,
        client.get(reverse("sales:quote-pdf", args=[quote.pk])).status_code,
        client.get(reverse("sales:quote-send", args=[quote.pk])).status_code,
        client.post(reverse("sales:quote-accept", args=[quote.pk])).status_code,
        client.post(reverse("sales:quote-decline", args=[quote.pk])).status_code,
        client.post(reverse("sales:quote-revise", args=[quote.pk])).status_code,
        client.post(reverse("sales:quote-create", args=[deal.pk])).status_code,
    ]

    assert answers == [404] * 7
    assert quote.label not in client.get(reverse("sales:quote-list")).content.decode()
    assert Quote.objects.get(pk=quote.pk).status == "sent"
    assert Quote.objects.count() == 1


def test_the_list_filters_by_status_and_expiry(login, owner):
    draft = services.create_from_deal(actor=owner, deal=make_deal(owner))
    sent = sent_quote(owner, make_deal(owner))
    client = login(owner)

    drafts = client.get(reverse("sales:quote-list"), {"status": "draft"}).content.decode()
    expired = client.get(reverse("sales:quote-list"), {"expired": "true"}).content.decode()

    assert draft.label in drafts
    assert sent.label not in drafts
    assert "No quotes match these filters" in expired


def test_the_pdf_downloads(login, owner):
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))

    response = login(owner).get(reverse("sales:quote-pdf", args=[quote.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")


def test_the_list_and_the_api_list_do_not_query_per_quote(login, api, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(path, client_get):
        with CaptureQueriesContext(connection) as captured:
            assert client_get(path).status_code == 200
        return len(captured)

    services.create_from_deal(actor=owner, deal=make_deal(owner))
    client, rest = login(owner), api(owner)
    rest.get("/me")  # the token's first use writes its last-used time
    few = (count(reverse("sales:quote-list"), client.get), count("/quotes", rest.get))
    for _ in range(5):
        services.create_from_deal(actor=owner, deal=make_deal(owner))
    many = (count(reverse("sales:quote-list"), client.get), count("/quotes", rest.get))

    assert many == few
