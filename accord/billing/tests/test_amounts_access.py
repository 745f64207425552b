"""Billing's records are amounts through and through: a role that may not see amounts (the
marketer, by default) has invoices, orders and payments out of sight, as records of a company it
may not see are; a role that sees amounts (the sales rep) sees them as before."""

from __future__ import annotations

from django.urls import reverse

from accord.billing.services import payments
from accord.identity.models import Role


def test_a_marketer_sees_no_invoices_orders_or_payments(make_user, login, api, owner, make_invoice, customer):
    marketer = make_user(Role.MARKETER, [], username="marketer")
    invoice = make_invoice()
    payments.record_payment(actor=owner, amount="10", currency="PLN", company=customer)

    page = login(marketer).get(reverse("billing:invoice-detail", args=[invoice.pk]))
    listed = login(marketer).get(reverse("billing:invoice-list")).content.decode()
    company_page = login(marketer).get(reverse("people:company-detail", args=[customer.pk])).content.decode()

    assert page.status_code == 404
    assert str(invoice.pk) not in listed
    assert str(invoice.pk) not in company_page
    for path in ("/invoices", "/orders", "/payments"):
        assert api(marketer).get(path).json()["items"] == []
    assert len(api(owner).get("/invoices").json()["items"]) == 1
    assert len(api(owner).get("/payments").json()["items"]) == 1
    assert login(owner).get(reverse("billing:invoice-detail", args=[invoice.pk])).status_code == 200


def test_a_marketer_whose_role_is_given_amounts_sees_billing_again(make_user, api, make_invoice):
    marketer = make_user(Role.MARKETER, [], username="marketer")
    Role.objects.filter(code=Role.MARKETER).update(sees_amounts=True)
    invoice = make_invoice()

    items = api(marketer).get("/invoices").json()["items"]

    assert [item["id"] for item in items] == [str(invoice.pk)]


def test_the_menu_offers_billing_only_to_a_role_that_sees_amounts(make_user, login, owner):
    marketer = make_user(Role.MARKETER, [], username="marketer")
    invoices = reverse("billing:invoice-list")

    marketers_menu = login(marketer).get(reverse("people:contact-list")).content.decode()
    owners_menu = login(owner).get(reverse("people:contact-list")).content.decode()

    assert f'href="{invoices}"' not in marketers_menu
    assert f'href="{invoices}"' in owners_menu
