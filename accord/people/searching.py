"""Contacts and companies in the search service (registered from ``PeopleConfig.ready``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.core import global_search
from accord.core.global_search import PHONE, TEXT, Searchable, Shown
from accord.people import selectors
from accord.people.models import Company, Contact, ContactCompany, EmailAddress, PhoneNumber
from accord.people.validators import format_phone

EMAIL = _("e-mail")
PHONE_LABEL = _("phone")
COMPANY = _("company")
TAX_ID = _("tax id")
EXTERNAL_ID = _("external id")


def _by_owner(rows: Any) -> dict[Any, list[str]]:
    grouped: dict[Any, list[str]] = {}
    for owner, value in rows:
        grouped.setdefault(owner, []).append(value)
    return grouped


def _addresses(field: str, pks: Sequence[Any]) -> tuple[dict[Any, list[str]], dict[Any, list[str]]]:
    """Every e-mail and phone of these contacts or companies, in two queries."""
    among = {f"{field}_id__in": pks}
    emails = _by_owner(EmailAddress.objects.filter(**among).order_by("position", "id").values_list(field, "email"))
    phones = _by_owner(PhoneNumber.objects.filter(**among).order_by("position", "id").values_list(field, "number"))
    return emails, phones


def _contact_names(contact: Contact) -> list[str]:
    return [contact.full_name, contact.primary_email]


def show_contacts(contacts: Sequence[Contact]) -> dict[Any, Shown]:
    pks = [c.pk for c in contacts]
    companies = _by_owner(
        ContactCompany.objects.filter(contact_id__in=pks)
        .order_by("-is_primary", "id")
        .values_list("contact_id", "company__name")
    )
    emails, phones = _addresses("contact", pks)
    shown = {}
    for c in contacts:
        mails = [c.primary_email, *(e for e in emails.get(c.pk, []) if e != c.primary_email)]
        numbers = [c.primary_phone, *(p for p in phones.get(c.pk, []) if p != c.primary_phone)]
        names = companies.get(c.pk, [])
        shown[c.pk] = Shown(
            title=c.full_name,
            subtitle=" · ".join(
                p for p in (names[0] if names else "", c.primary_email, format_phone(c.primary_phone)) if p
            ),
            url=reverse("people:contact-detail", args=[c.pk]),
            fields=[
                ("", c.full_name, TEXT),
                *((EMAIL, m, TEXT) for m in mails if m),
                *((PHONE_LABEL, format_phone(n), PHONE) for n in numbers if n),
                *((COMPANY, name, TEXT) for name in names),
                (EXTERNAL_ID, c.external_id or "", TEXT),
            ],
        )
    return shown


def show_companies(companies: Sequence[Company]) -> dict[Any, Shown]:
    emails, phones = _addresses("company", [c.pk for c in companies])
    shown = {}
    for c in companies:
        mails = [c.primary_email, *(e for e in emails.get(c.pk, []) if e != c.primary_email)]
        numbers = [c.primary_phone, *(p for p in phones.get(c.pk, []) if p != c.primary_phone)]
        shown[c.pk] = Shown(
            title=c.name,
            subtitle=" · ".join(p for p in (f"NIP {c.nip}" if c.nip else "", c.primary_email) if p),
            url=reverse("people:company-detail", args=[c.pk]),
            fields=[
                ("", c.name, TEXT),
                (TAX_ID, c.nip, TEXT),
                (TAX_ID, c.vat_id, TEXT),
                ("REGON", c.regon, TEXT),
                *((EMAIL, m, TEXT) for m in mails if m),
                *((PHONE_LABEL, format_phone(n), PHONE) for n in numbers if n),
                (_("website"), c.website, TEXT),
                (EXTERNAL_ID, c.external_id or "", TEXT),
            ],
        )
    return shown


def register() -> None:
    global_search.register(
        Searchable(
            kind="contact",
            label=_("Contacts"),
            model=Contact,
            visible=selectors.visible_contacts,
            names=_contact_names,
            show=show_contacts,
            columns=("first_name", "last_name", "primary_email", "primary_phone", "external_id"),
        )
    )
    global_search.register(
        Searchable(
            kind="company",
            label=_("Companies"),
            model=Company,
            visible=selectors.visible_companies,
            names=lambda c: [c.name, c.nip, c.vat_id],
            show=show_companies,
            columns=("name", "nip", "vat_id", "regon", "website", "primary_email", "primary_phone", "external_id"),
        )
    )
