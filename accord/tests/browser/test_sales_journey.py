"""A lead's way to a won deal in a real browser: a visitor fills the public web-to-lead form, a rep
converts the lead, drags the deal across the board to Won, makes a quote and downloads its PDF."""

from __future__ import annotations

import decimal
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accord.identity.models import Role, Team, User
from accord.sales.models import Deal, DealStageChange, Lead, Product, ProductPrice, WebForm

PASSWORD = "a-long-test-password"


def wait_until(condition: Any, seconds: float = 10) -> None:
    """The board saves a move in the background: wait for it to reach the database."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the change did not reach the database"
        time.sleep(0.1)


@pytest.fixture
def rep(transactional_db: Any) -> User:
    team = Team.objects.create(name="Kraków")
    user = User.objects.create_user(
        username="tomasz",
        password=PASSWORD,
        first_name="Tomasz",
        last_name="Lis",
        role=Role.objects.get(code=Role.SALES_REP),
    )
    user.teams.add(team)
    return user


def test_web_form_to_won_deal_and_quote_pdf(page: Any, live_server: Any, rep: User, shot: Any) -> None:
    base = live_server.url
    form = WebForm.objects.create(
        name="Ask for an offer",
        consent_text="I agree to be contacted about my request.",
        owner=rep,
        team_id=rep.primary_team_id,
    )
    product = Product.objects.create(sku="WELD-1", name="Spawarka MIG 250", unit="pcs", vat_rate=decimal.Decimal(23))
    ProductPrice.objects.create(product=product, currency="PLN", price=decimal.Decimal("4200.00"))

    # A visitor on the company's website sends the form.
    page.goto(f"{base}/sales/f/{form.key}/")
    page.fill("#wf-first", "Zofia")
    page.fill("#wf-last", "Wójcik")
    page.fill("#wf-company", "Stalprodukt Kraków")
    page.fill("#wf-email", "zofia@stalprodukt.pl")
    page.fill("#wf-phone", "601 234 567")
    page.fill("#wf-message", "Please send an offer for two welders.")
    page.get_by_label("I agree to be contacted").check()
    shot(page, "sales-01-web-form")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("body")).to_contain_text("Thank you")
    lead = Lead.objects.get(email="zofia@stalprodukt.pl")
    assert lead.consent_text == "I agree to be contacted about my request."
    assert lead.owner_id == rep.pk

    # The rep logs in, finds the lead and converts it into a contact, a company and a deal.
    page.goto(f"{base}/login/")
    page.fill("#id_username", "tomasz")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto(f"{base}/sales/leads/")
    page.get_by_role("link", name="Zofia Wójcik").first.click()
    shot(page, "sales-02-lead")
    page.get_by_role("link", name="Convert").first.click()
    page.fill("#id_deal_name", "Stalprodukt: welders")
    shot(page, "sales-03-convert")
    page.get_by_role("button", name="Convert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stalprodukt: welders")
    deal = Deal.objects.get(name="Stalprodukt: welders")
    assert deal.company is not None
    assert deal.company.name == "Stalprodukt Kraków"
    assert deal.contacts.get().last_name == "Wójcik"

    # Two welders on the deal, then onto the board.
    from accord.sales.services import deals as deal_services

    deal_services.update_deal(
        actor=rep,
        deal=deal,
        data={"lines": [{"product": product, "quantity": "2", "unit_price": "4200.00", "vat_rate": "23"}]},
    )
    page.goto(f"{base}/sales/board/")
    card = page.locator(f".deal-card[data-id='{deal.pk}'], .deal-card:has-text('Stalprodukt: welders')").first
    expect(card).to_be_visible()
    shot(page, "sales-04-board")

    # Drag it one stage on, then onto Won.
    proposal = page.locator(".board-cards").nth(2)
    card.drag_to(proposal)
    expect(proposal.locator(".deal-card:has-text('Stalprodukt: welders')")).to_be_visible()
    shot(page, "sales-05-moved", full_page=False)
    wait_until(lambda: Deal.objects.get(pk=deal.pk).stage.name == "Proposal")
    # In Proposal the rep makes a quote from the deal's lines.
    page.goto(f"{base}/sales/deals/{deal.pk}/")
    page.get_by_role("button", name="Create quote").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Q|\d"))
    quote_url = page.url
    shot(page, "sales-06-quote")

    # Back on the board, onto Won.
    page.goto(f"{base}/sales/board/")
    # The Won and Lost drop zones appear once a drag starts, so drag by hand.
    moved = page.locator(".deal-card:has-text('Stalprodukt: welders')").first
    box = moved.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2 + 30, steps=5)
    won_zone = page.locator(".board-drop-won")
    expect(won_zone).to_be_visible()
    shot(page, "sales-07-dragging", full_page=False)
    target = won_zone.bounding_box()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=10)
    page.mouse.up()
    expect(page.locator(".toast, [role='status']").first).to_contain_text("won", ignore_case=True)
    wait_until(lambda: Deal.objects.get(pk=deal.pk).status == "won")
    deal.refresh_from_db()
    moves = list(DealStageChange.objects.filter(deal=deal).order_by("changed_at", "id"))
    assert [m.to_stage.name for m in moves][-2:] == ["Proposal", "Won"]
    assert moves[-1].amount == decimal.Decimal("8400.00")
    shot(page, "sales-08-board-won")

    # The quote, downloaded as PDF.
    page.goto(quote_url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    pdf = download_info.value
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(pdf.path()).read_bytes())).pages)
    quote = deal.quotes.get()
    assert quote.number in text
    assert "Stalprodukt Kraków" in text
    assert "Spawarka MIG 250" in text
    assert "10" in text
    assert "332" in text
