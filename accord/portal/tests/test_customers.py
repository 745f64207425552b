"""What a customer does in the portal: tickets (opened as the portal channel, the public conversation
without internal notes, replies, article suggestions), quotes (only sent ones, accepted online),
orders, invoices (overdue marked, PDF), their details, consents and a copy of their data."""

from __future__ import annotations

import datetime
import json

from accord.portal.tests.conftest import portal_client


def test_a_customer_opens_a_ticket_in_their_companys_name(customer_a):
    from accord.service.models import Ticket

    response = portal_client(customer_a).post(
        "/portal/tickets/new/", {"subject": "Toner", "body": "The toner is empty."}
    )

    ticket = Ticket.objects.get()
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.channel, ticket.contact_id, ticket.company_id) == (
        "portal",
        customer_a.contact.pk,
        customer_a.company.pk,
    )
    assert ticket.messages.get().body == "The toner is empty."


def test_a_ticket_without_a_subject_is_refused_naming_the_field(customer_a):
    from accord.service.models import Ticket

    response = portal_client(customer_a).post("/portal/tickets/new/", {"subject": "", "body": "Help"})

    assert response.status_code == 422
    assert Ticket.objects.count() == 0


def test_the_conversation_shows_replies_and_never_internal_notes(support, customer_a, make_ticket):
    from accord.service.services import tickets

    ticket = make_ticket(customer_a)
    tickets.reply(actor=support, ticket=ticket, body="Please restart it.")
    tickets.reply(actor=support, ticket=ticket, body="Customer is difficult, careful.", internal=True)

    page = portal_client(customer_a).get(f"/portal/tickets/{ticket.pk}/").content.decode()
    api = portal_client(customer_a).get(f"/api/v1/portal/tickets/{ticket.pk}").json()

    assert "Please restart it." in page
    assert "careful" not in page
    assert [m["body"] for m in api["messages"]] == ["Miga na czerwono.", "Please restart it."]


def test_a_customer_replies_and_a_waiting_ticket_opens_again(support, customer_a, make_ticket):
    from accord.service.services import tickets

    ticket = make_ticket(customer_a)
    tickets.reply(actor=support, ticket=ticket, body="Which model?", status="waiting")

    response = portal_client(customer_a).post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "LaserJet 400."})

    ticket.refresh_from_db()
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert ticket.status == "open"
    last = ticket.messages.order_by("-created_at").first()
    assert (last.kind, last.channel, last.body) == ("customer", "portal", "LaserJet 400.")


def test_suggestions_are_public_published_articles_in_the_users_language(support, customer_a):
    from accord.service.services import knowledge

    def article(title, *, visibility="public", language="en", publish=True):
        made = knowledge.create_article(
            actor=support,
            data={
                "title": title,
                "body": "Turn the printer off and on.",
                "language": language,
                "visibility": visibility,
            },
        )
        return knowledge.publish_article(actor=support, article=made) if publish else made

    public = article("Printer blinks red")
    article("Printer blinks red internally", visibility="internal")
    article("Printer blinks red draft", publish=False)
    article("Drukarka printer blinks red", language="pl")

    response = portal_client(customer_a).get("/portal/tickets/suggestions/", {"subject": "printer blinks red"})

    page = response.content.decode()
    assert f"/portal/help/{public.pk}/" in page
    assert "internally" not in page
    assert "draft" not in page
    assert "Drukarka" not in page
    assert portal_client(customer_a).get(f"/portal/help/{public.pk}/").status_code == 200


def test_quotes_list_only_sent_ones_and_a_customer_accepts_one(customer_a, make_quote):
    draft = make_quote(customer_a, send=False)
    sent = make_quote(customer_a)
    client = portal_client(customer_a)

    assert [q["id"] for q in client.get("/api/v1/portal/quotes").json()] == [str(sent.pk)]
    assert client.get(f"/portal/quotes/{draft.pk}/").status_code == 404
    response = client.post(f"/portal/quotes/{sent.pk}/accept/", {"version": sent.version})

    sent.refresh_from_db()
    assert response["Location"] == f"/portal/quotes/{sent.pk}/"
    assert sent.status == "accepted"
    assert "Accepted online by" in sent.decision_note
    assert sent.deal.amount == sent.net_total


def test_accepting_an_expired_quote_says_why(customer_a, make_quote):
    from accord.sales.models import Quote

    quote = make_quote(customer_a)
    Quote.objects.filter(pk=quote.pk).update(valid_until=datetime.date(2020, 1, 1))

    response = portal_client(customer_a).post(f"/api/v1/portal/quotes/{quote.pk}/accept")

    assert response.status_code == 422
    assert "valid_until" in response.json()["errors"]


def test_invoices_mark_the_overdue_ones_and_download_as_pdf(customer_a, make_invoice):
    old = make_invoice(customer_a, issue_date=datetime.date.today() - datetime.timedelta(days=60))
    fresh = make_invoice(customer_a)
    make_invoice(customer_a, issued=False)  # a draft is not shown
    client = portal_client(customer_a)

    listed = {i["id"]: i["overdue"] for i in client.get("/api/v1/portal/invoices").json()}
    assert listed == {str(old.pk): True, str(fresh.pk): False}
    assert "Overdue" in client.get("/portal/invoices/").content.decode()
    pdf = client.get(f"/portal/invoices/{old.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_orders_list_confirmed_ones_not_drafts(customer_a, make_order):
    confirmed = make_order(customer_a)
    draft = make_order(customer_a, confirmed=False)
    client = portal_client(customer_a)

    assert [o["id"] for o in client.get("/api/v1/portal/orders").json()] == [str(confirmed.pk)]
    assert client.get(f"/portal/orders/{draft.pk}/").status_code == 404
    assert confirmed.number in client.get(f"/portal/orders/{confirmed.pk}/").content.decode()


def test_a_customer_corrects_their_own_details(customer_a):
    contact = customer_a.contact

    response = portal_client(customer_a).post(
        "/portal/account/details/",
        {
            "first_name": "Ewa",
            "last_name": "Nowak",
            "email": "ewa.nowak@alfa.example",
            "phone": "+48 601 234 567",
            "version": contact.version,
        },
    )

    contact.refresh_from_db()
    assert response.status_code == 302
    assert (contact.last_name, contact.primary_email, contact.primary_phone) == (
        "Nowak",
        "ewa.nowak@alfa.example",
        "+48601234567",
    )
    assert list(contact.emails.values_list("email", flat=True)) == ["ewa.nowak@alfa.example"]


def test_a_bad_phone_is_refused_and_nothing_is_saved(customer_a):
    contact = customer_a.contact

    response = portal_client(customer_a).post(
        "/portal/account/details/", {"first_name": "Ewa", "last_name": "Other", "email": "", "phone": "12"}
    )

    contact.refresh_from_db()
    assert response.status_code == 422
    assert contact.last_name == "Alfa"


def test_a_customer_gives_and_withdraws_consents_with_the_portal_as_proof(customer_a):
    from accord.marketing.models import Consent

    client = portal_client(customer_a)
    client.post("/portal/account/consents/", {"consent": ["email:newsletter", "sms:offers"]})

    given = {(c.channel, c.purpose): (c.state, c.method) for c in Consent.objects.filter(contact=customer_a.contact)}
    assert given == {("email", "newsletter"): ("granted", "portal"), ("sms", "offers"): ("granted", "portal")}

    client.post("/portal/account/consents/", {"consent": ["sms:offers"]})

    states = dict(Consent.objects.filter(contact=customer_a.contact).values_list("channel", "state"))
    assert states == {"email": "withdrawn", "sms": "granted"}


def test_a_customer_downloads_their_data(customer_a, make_ticket, make_invoice, support):
    from accord.service.services import tickets

    ticket = make_ticket(customer_a)
    tickets.reply(actor=support, ticket=ticket, body="Secret note", internal=True)
    invoice = make_invoice(customer_a)

    response = portal_client(customer_a).get("/portal/account/my-data/")

    data = json.loads(response.content)
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert data["contact"]["emails"] == ["ewa@alfa.example"]
    assert [t["subject"] for t in data["tickets"]] == ["Drukarka nie drukuje"]
    assert "Secret note" not in response.content.decode()
    assert [i["number"] for i in data["invoices"]] == [invoice.number]


def test_a_portal_user_sets_a_password_and_stays_signed_in(customer_a):
    client = portal_client(customer_a)

    response = client.post("/portal/account/password/", {"new_password": "a-brand-new-portal-secret"})

    customer_a.user.refresh_from_db()
    assert response.status_code == 302
    assert customer_a.user.check_password("a-brand-new-portal-secret")
    assert client.get("/portal/").status_code == 200


def test_the_portal_api_opens_a_ticket_for_the_customer(customer_a):
    from accord.service.models import Ticket

    response = portal_client(customer_a).post(
        "/api/v1/portal/tickets", json.dumps({"subject": "API", "body": "Hello"}), content_type="application/json"
    )

    assert response.status_code == 201
    assert Ticket.objects.get().company_id == customer_a.company.pk
