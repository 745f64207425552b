"""Quotes: numbering and revisions, VAT per rate, immutability once sent, acceptance and its effect
on the deal, expiry, and access through the deal."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from accord.core import access
from accord.core.access import AccessDenied
from accord.core.models import AuditEntry, Event
from accord.sales.models import Deal, Quote, QuoteStatus
from accord.sales.selectors import quotes as selectors
from accord.sales.services import deals
from accord.sales.services import quotes as services

D = decimal.Decimal

MIXED_LINES = [
    # 3 x 199.99 less 7.5% = 554.97 net (554.972...), VAT 23% = 127.64
    {
        "description": "Zażółć gęślą jaźń licence",
        "quantity": "3",
        "unit_price": "199.99",
        "discount_percent": "7.5",
        "vat_rate": "23",
        "unit": "pcs",
    },
    # 1 x 1000 at 23% = 1000.00 net, 230.00 VAT
    {"description": "Installation", "quantity": "1", "unit_price": "1000", "vat_rate": "23"},
    # 2.5 x 40.10 = 100.25 net, 8% = 8.02 VAT
    {"description": "Training hours", "quantity": "2.5", "unit_price": "40.10", "vat_rate": "8", "unit": "h"},
    # 1 x 333.33 less 10% = 300.00 (299.997) net, 0% VAT
    {
        "description": "Export shipping",
        "quantity": "1",
        "unit_price": "333.33",
        "discount_percent": "10",
        "vat_rate": "0",
    },
]


def make_deal(actor: Any, *, company: Any = None, contacts: list[Any] | None = None, lines: Any = None) -> Deal:
    data: dict[str, Any] = {"name": "Roll-out", "lines": MIXED_LINES if lines is None else lines}
    if company is not None:
        data["company"] = company
    if contacts:
        data["contacts"] = contacts
    return deals.create_deal(actor=actor, data=data)


def sent_quote(owner: Any, deal: Deal, to: str = "buyer@example.com") -> Quote:
    quote = services.create_from_deal(actor=owner, deal=deal)
    return services.send(actor=owner, quote=quote, to=to)


def test_a_quote_copies_the_deals_lines_and_totals_vat_per_rate(owner, customer):
    company, contact = customer
    deal = make_deal(owner, company=company, contacts=[contact])

    quote = services.create_from_deal(actor=owner, deal=deal)

    year = timezone.localdate().year
    assert (quote.number, quote.revision, quote.status, quote.currency) == (f"Q-{year}-0001", 1, "draft", "PLN")
    assert quote.valid_until == timezone.localdate() + datetime.timedelta(days=30)
    lines = [(q.description, q.net, q.vat, q.gross) for q in quote.lines.all()]
    assert lines == [
        ("Zażółć gęślą jaźń licence", D("554.97"), D("127.64"), D("682.61")),
        ("Installation", D("1000.00"), D("230.00"), D("1230.00")),
        ("Training hours", D("100.25"), D("8.02"), D("108.27")),
        ("Export shipping", D("300.00"), D("0.00"), D("300.00")),
    ]
    assert (quote.net_total, quote.vat_total, quote.gross_total) == (D("1955.22"), D("365.66"), D("2320.88"))
    assert (quote.customer_name, quote.customer_tax_id) == ("Żółta Łódź Sp. z o.o.", "5260250995")
    assert quote.customer_address.splitlines() == ["Zofia Gęślak", "ul. Świętokrzyska 12", "00-916 Warszawa", "PL"]
    assert AuditEntry.objects.filter(object_id=quote.pk, action="create").count() == 1
    assert Event.objects.filter(name="sales.quote.issued", object_id=quote.pk).exists()


def test_numbers_run_on_and_each_deal_gets_its_own(owner):
    first = services.create_from_deal(actor=owner, deal=make_deal(owner))
    second = services.create_from_deal(actor=owner, deal=make_deal(owner))

    assert [first.number[-4:], second.number[-4:]] == ["0001", "0002"]


def test_a_deal_without_lines_cannot_be_quoted_and_nothing_is_stored(owner):
    deal = deals.create_deal(actor=owner, data={"name": "Empty", "amount": 100})

    with pytest.raises(ValidationError) as caught:
        services.create_from_deal(actor=owner, deal=deal)

    assert set(caught.value.message_dict) == {"lines"}
    assert Quote.objects.count() == 0


def test_a_past_valid_until_is_a_field_error(owner):
    deal = make_deal(owner)

    with pytest.raises(ValidationError) as caught:
        services.create_from_deal(actor=owner, deal=deal, data={"valid_until": "2001-01-01"})

    assert set(caught.value.message_dict) == {"valid_until"}
    assert Quote.objects.count() == 0


def test_a_revision_keeps_the_number_takes_the_new_lines_and_supersedes_the_earlier(owner):
    deal = make_deal(owner)
    first = sent_quote(owner, deal)
    deals.update_deal(
        actor=owner,
        deal=deal,
        data={"lines": [{"description": "Cheaper bundle", "unit_price": "1500", "vat_rate": "23"}]},
    )

    second = services.revise(actor=owner, quote=first, data={"terms": "Payment in 14 days."})

    first.refresh_from_db()
    assert (second.number, second.revision, second.label) == (first.number, 2, f"{first.number}/2")
    assert (first.status, second.status) == ("superseded", "draft")
    assert (second.net_total, second.vat_total, second.gross_total) == (D("1500.00"), D("345.00"), D("1845.00"))
    assert second.terms == "Payment in 14 days."
    # What was sent is untouched.
    assert first.net_total == D("1955.22")
    assert first.lines.count() == 4


def test_a_sent_quote_cannot_be_edited_only_revised(owner):
    quote = sent_quote(owner, make_deal(owner))

    with pytest.raises(ValidationError) as caught:
        services.update_draft(actor=owner, quote=quote, data={"terms": "Changed"})

    assert set(caught.value.message_dict) == {"status"}
    quote.refresh_from_db()
    assert quote.terms == ""


def test_a_draft_can_be_edited_with_its_version(owner):
    from accord.core.errors import Conflict

    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))
    edited = services.update_draft(actor=owner, quote=quote, data={"terms": "Net 30"}, expected_version=1)

    assert (edited.terms, edited.version) == ("Net 30", 2)
    with pytest.raises(Conflict):
        services.update_draft(actor=owner, quote=quote, data={"terms": "Stale"}, expected_version=1)


def test_accepting_puts_the_quote_on_the_deal_and_supersedes_the_other_revisions(owner):
    deal = make_deal(owner)
    first = sent_quote(owner, deal)
    deals.update_deal(
        actor=owner, deal=deal, data={"lines": [{"description": "Bigger", "unit_price": "2000", "vat_rate": "23"}]}
    )
    second = services.send(actor=owner, quote=services.revise(actor=owner, quote=first), to="buyer@example.com")
    assert Deal.objects.get(pk=deal.pk).amount == D("2000.00")

    # The customer signs the first revision they received.
    accepted = services.accept(actor=owner, quote=first, note="Signed by the CFO")

    second.refresh_from_db()
    deal.refresh_from_db()
    assert (accepted.status, accepted.decision_note, second.status) == ("accepted", "Signed by the CFO", "superseded")
    assert accepted.decided_at is not None
    assert (deal.amount, deal.status) == (D("1955.22"), "open")
    entry = AuditEntry.objects.filter(object_id=deal.pk, action="update").latest("id")
    assert entry.changes["accepted_quote"] == [None, first.label]
    assert entry.changes["amount"] == ["2000.00", "1955.22"]
    assert Event.objects.filter(name="sales.quote.accepted", object_id=first.pk).exists()


def test_accepting_can_win_the_deal(owner):
    deal = make_deal(owner)
    quote = sent_quote(owner, deal)

    accepted = services.accept(actor=owner, quote=quote, win=True)

    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.amount) == ("won", 100, D("1955.22"))
    assert accepted.deal.status == "won"


def test_only_a_sent_quote_can_be_accepted_or_declined_and_only_once(owner):
    deal = make_deal(owner)
    draft = services.create_from_deal(actor=owner, deal=deal)
    with pytest.raises(ValidationError):
        services.accept(actor=owner, quote=draft)
    with pytest.raises(ValidationError):
        services.decline(actor=owner, quote=draft)

    sent = services.send(actor=owner, quote=draft, to="buyer@example.com")
    services.accept(actor=owner, quote=sent)
    with pytest.raises(ValidationError):
        services.accept(actor=owner, quote=sent)
    with pytest.raises(ValidationError):
        services.decline(actor=owner, quote=sent)
    with pytest.raises(ValidationError) as caught:
        services.revise(actor=owner, quote=sent)
    assert "status" in caught.value.message_dict


def test_declining_records_the_no_on_the_deal_and_leaves_it_open(owner):
    deal = make_deal(owner)
    quote = sent_quote(owner, deal)

    declined = services.decline(actor=owner, quote=quote, note="Too expensive")

    deal.refresh_from_db()
    assert (declined.status, declined.decision_note, deal.status, deal.amount) == (
        "declined",
        "Too expensive",
        "open",
        D("1955.22"),
    )
    entry = AuditEntry.objects.filter(object_id=deal.pk, action="update").latest("id")
    assert entry.changes == {"declined_quote": [None, quote.label]}


def test_an_expired_quote_is_shown_as_such_and_cannot_be_accepted(owner):
    quote = sent_quote(owner, make_deal(owner))
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    quote.refresh_from_db()

    assert services.is_expired(quote)
    with pytest.raises(ValidationError) as caught:
        services.accept(actor=owner, quote=quote)
    assert set(caught.value.message_dict) == {"valid_until"}
    quote.refresh_from_db()
    assert quote.status == "sent"
    expired = selectors.quote_page(owner, selectors.quote_query({"expired": "true"}))
    assert [q.pk for q in expired.items] == [quote.pk]


def test_a_rep_cannot_see_or_act_on_another_teams_quote(owner, outsider, teammate):
    deal = make_deal(owner)
    quote = sent_quote(owner, deal)

    with pytest.raises(Http404):
        selectors.quote_detail(outsider, quote.pk)
    assert selectors.quote_page(outsider, selectors.quote_query({})).items == []
    for act in (
        lambda: services.accept(actor=outsider, quote=quote),
        lambda: services.decline(actor=outsider, quote=quote),
        lambda: services.revise(actor=outsider, quote=quote),
        lambda: services.create_from_deal(actor=outsider, deal=deal),
    ):
        with pytest.raises(Http404):
            act()
    quote.refresh_from_db()
    assert (quote.status, Quote.objects.count()) == ("sent", 1)
    # A teammate sees it.
    assert selectors.quote_detail(teammate, quote.pk) == quote
    # The access policy itself scopes quotes through their deal, whoever asks it.
    assert list(access.scope(outsider, Quote.objects.all())) == []
    assert list(access.scope(teammate, Quote.objects.all())) == [quote]
    assert not access.can_view(outsider, quote)


def test_a_read_only_user_sees_but_cannot_accept(owner, viewer):
    quote = sent_quote(owner, make_deal(owner))

    assert selectors.quote_detail(viewer, quote.pk) == quote
    with pytest.raises(AccessDenied):
        services.accept(actor=viewer, quote=quote)
    quote.refresh_from_db()
    assert quote.status == "sent"
    assert Deal.objects.get(pk=quote.deal_id).version == quote.deal.version


def test_quotes_of_a_closed_deal_cannot_be_made(owner):
    deal = deals.win_deal(actor=owner, deal=make_deal(owner))

    with pytest.raises(ValidationError) as caught:
        services.create_from_deal(actor=owner, deal=deal)
    assert set(caught.value.message_dict) == {"deal"}


def test_the_recipient_is_the_deals_contact(owner, customer):
    company, contact = customer
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, company=company, contacts=[contact]))

    assert services.recipient_for(quote) == "zofia@zolta.example"


def test_the_list_filters_by_status_and_deal(owner):
    deal_a, deal_b = make_deal(owner), make_deal(owner)
    a = sent_quote(owner, deal_a)
    b = services.create_from_deal(actor=owner, deal=deal_b)

    drafts = selectors.quote_page(owner, selectors.quote_query({"status": "draft"}))
    of_a = selectors.quote_page(owner, selectors.quote_query({"deal": str(deal_a.pk)}))

    assert [q.pk for q in drafts.items] == [b.pk]
    assert [q.pk for q in of_a.items] == [a.pk]
    assert a.status == QuoteStatus.SENT


def test_sending_and_accepting_land_on_the_deals_timeline(owner, customer):
    from django.contrib.contenttypes.models import ContentType

    from accord.activities.models import Interaction
    from accord.messaging.services.delivery import deliver_due

    company, contact = customer
    deal = make_deal(owner, company=company, contacts=[contact])
    quote = services.create_from_deal(actor=owner, deal=deal)

    services.send(actor=owner, quote=quote, to="zofia@zolta.example", message="Our offer")
    deliver_due()  # the worker sends the e-mail; once sent, it is on the timeline
    services.accept(actor=owner, quote=quote, note="Signed")

    on_deal = Interaction.objects.filter(
        related_type=ContentType.objects.get_for_model(Deal), related_id=deal.pk
    ).order_by("occurred_at", "id")
    assert [(i.channel, i.direction, i.subject, i.body, i.contact, i.company) for i in on_deal] == [
        ("email", "out", f"Quote {quote.label} sent to zofia@zolta.example", "Our offer", contact, company),
        ("note", "", f"Quote {quote.label} accepted", "Signed", contact, company),
    ]
