"""Collections in a real browser: an invoice is issued, the clock moves past its due date, the
ladder e-mails the customer, its letter is printed in the day's batch and posted, the call comes
up on the agent's list, the agent logs a promise to pay, and the bank statement that pays it is
imported and closes the invoice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accord.billing.models import CollectionStep, PromiseToPay
from accord.billing.services import collections, invoices
from accord.billing.tests.statement_builders import Booking, mt940
from accord.identity.models import Role, Team, User
from accord.messaging.services.delivery import deliver_due
from accord.people import services as people
from accord.tests.browser.helpers import PASSWORD, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def marta(transactional_db: Any, settings: Any) -> User:
    """A manager who owns the customer, takes its calls and prints the day's letters."""
    settings.ACCORD_SELLER = {
        "name": "Accord Sp. z o.o.",
        "address": "ul. Prosta 1\n00-001 Warszawa",
        "tax_id": "5260250995",
        "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
    }
    user = User.objects.create_user(
        username="marta", password=PASSWORD, first_name="Marta", role=Role.objects.get(code=Role.MANAGER)
    )
    user.teams.add(Team.objects.create(name="North"))
    return User.objects.select_related("role").get(pk=user.pk)


def test_an_overdue_invoice_climbs_the_ladder_to_a_promise_to_pay_and_is_paid(
    page: Any, live_server: Any, marta: User, server_turn: Any, shot: Any, tmp_path: Any
) -> None:
    company = people.create_company(
        actor=marta,
        data=people.company_data(
            {
                "name": "Żółta Łódź Sp. z o.o.",
                "nip": "7740001454",
                "addresses": [{"street": "ul. Świętokrzyska 12", "postal_code": "00-916", "city": "Warszawa"}],
            }
        ),
    )
    people.create_contact(
        actor=marta,
        data=people.contact_data(
            {
                "first_name": "Zofia",
                "last_name": "Gęślak",
                "emails": [{"email": "ksiegowosc@zolta.example"}],
                "companies": [{"company": company}],
            }
        ),
    )
    issued_on = timezone.localdate() - datetime.timedelta(days=60)
    draft = invoices.create_invoice(
        actor=marta,
        data={
            "company": company,
            "issue_date": issued_on.isoformat(),
            "sale_date": issued_on.isoformat(),
            "payment_terms_days": 14,
            "lines": [{"description": "Wdrożenie", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}],
        },
    )

    # Issued from its page.
    log_in(page, live_server.url, "marta")
    page.goto(f"{live_server.url}/billing/invoices/{draft.pk}/")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("h1")).to_contain_text("/0001")
    draft.refresh_from_db()
    due = draft.due_date
    assert due == issued_on + datetime.timedelta(days=14)

    # The clock moves: the ladder runs on the third day after the due date and e-mails the customer.
    with server_turn:
        collections.run(today=due + datetime.timedelta(days=3))
        deliver_due()
    assert [m.to for m in mail.outbox] == [["ksiegowosc@zolta.example"]]
    assert draft.number in mail.outbox[0].subject
    # ... then the SMS level (no mobile number: by e-mail again), then the demand letter by post.
    with server_turn:
        collections.run(today=due + datetime.timedelta(days=10))
        collections.run(today=due + datetime.timedelta(days=21))
        deliver_due()
    assert len(mail.outbox) == 2
    assert CollectionStep.objects.filter(action="letter").count() == 1

    # The letter waits for the day's print batch: prepared, downloaded and posted from the screen.
    page.goto(f"{live_server.url}/notifications/letters/")
    expect(page.locator('[data-count="waiting"]')).to_have_text("1")
    page.get_by_role("button", name="Prepare today's batch").click()
    expect(page.get_by_text("ul. Świętokrzyska 12")).to_be_visible()  # the batch's page lists the letter
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.goto(f"{live_server.url}/notifications/letters/")
    page.get_by_role("button", name="Mark as posted").first.click()
    expect(page.get_by_text("Posted").first).to_be_visible()
    shot(page, "collections-print-batch")

    # A month past due: the call comes up on the agent's list, and she logs a promise to pay.
    with server_turn:
        collections.run(today=due + datetime.timedelta(days=30))
    page.goto(f"{live_server.url}/billing/collections/calls/")
    card = page.locator("section.card", has_text="Żółta Łódź Sp. z o.o.")
    expect(card).to_contain_text(draft.number)
    promised = timezone.localdate() + datetime.timedelta(days=5)
    card.get_by_label("How did the call go?").select_option("promise")
    card.get_by_label("Promised payment date").fill(promised.isoformat())
    card.get_by_label("Note").fill("Pays on Friday")
    card.get_by_role("button", name="Log the call").click()
    expect(page.get_by_text("The call was logged.")).to_be_visible()
    expect(page.get_by_text("No collection calls for today.")).to_be_visible()
    assert PromiseToPay.objects.get(company=company).promised_on == promised

    # The promise holds the ladder back until its day.
    with server_turn:
        report = collections.run(today=timezone.localdate())
    assert report.held["promise"] == 1
    shot(page, "collections-calls-done")

    # The customer pays: the bank's MT940 statement is imported and the payment closes the invoice.
    statement = mt940(
        [Booking(str(draft.gross_total), f"Zaplata za {draft.number}", "ZOLTA LODZ SP Z O O", day=timezone.localdate())]
    )
    path = tmp_path / "wyciag.sta"
    path.write_bytes(statement)
    page.goto(f"{live_server.url}/billing/bank-statements/")
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    draft.refresh_from_db()
    assert draft.status == "paid"
    page.goto(f"{live_server.url}/billing/invoices/{draft.pk}/")
    expect(page.locator(".badge").first).to_contain_text("Paid")
    shot(page, "collections-invoice-paid")
