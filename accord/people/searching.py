"""Contacts and companies in the search service (registered from ``PeopleConfig.ready``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.core import global_search
from accord.core.global_search import PHONE, TEXT, Searchable, Shown
from accord.core.phones import format_phone
from accord.people import selectors
from accord.people.models import Company, Contact, ContactCompany, EmailAddress, PhoneNumber

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


@functools.lru_cache(maxsize=4096)
def _phone(e164: str) -> str:
    return format_phone(e164) if e164 else ""


def show_contacts(contacts: Sequence[Contact]) -> dict[Any, Shown]:
    companies = _by_owner(
        ContactCompany.objects.filter(contact_id__in=[c.pk for c in contacts])
        .order_by("-is_primary", "id")
        .values_list("contact_id", "company__name")
    )
    shown = {}
    for c in contacts:
        names = companies.get(c.pk, [])
        shown[c.pk] = Shown(
            title=c.full_name,
            subtitle=" · ".join(p for p in (names[0] if names else "", c.primary_email, _phone(c.primary_phone)) if p),
            url=reverse("people:contact-detail", args=[c.pk]),
            fields=[
                ("", c.full_name, TEXT),
                (EMAIL, c.primary_email, TEXT),
                (PHONE_LABEL, _phone(c.primary_phone), PHONE),
                *((COMPANY, name, TEXT) for name in names),
                (EXTERNAL_ID, c.external_id or "", TEXT),
            ],
        )
    return shown


def _more_addresses(field: str, rows: Sequence[Contact | Company]) -> dict[Any, list[tuple[Any, str, str]]]:
    """The e-mails and phones beyond the primary ones, for hits none of whose shown fields matched."""
    emails, phones = _addresses(field, [r.pk for r in rows])
    return {
        r.pk: [
            *((EMAIL, e, TEXT) for e in emails.get(r.pk, []) if e != r.primary_email),
            *((PHONE_LABEL, _phone(p), PHONE) for p in phones.get(r.pk, []) if p != r.primary_phone),
        ]
        for r in rows
    }


def show_companies(companies: Sequence[Company]) -> dict[Any, Shown]:
    return {
        c.pk: Shown(
            title=c.name,
            subtitle=" · ".join(p for p in (f"NIP {c.nip}" if c.nip else "", c.primary_email) if p),
            url=reverse("people:company-detail", args=[c.pk]),
            fields=[
                ("", c.name, TEXT),
                (TAX_ID, c.nip, TEXT),
                (TAX_ID, c.vat_id, TEXT),
                ("REGON", c.regon, TEXT),
                (EMAIL, c.primary_email, TEXT),
                (PHONE_LABEL, _phone(c.primary_phone), PHONE),
                (_("website"), c.website, TEXT),
                (EXTERNAL_ID, c.external_id or "", TEXT),
            ],
        )
        for c in companies
    }


def register() -> None:
    global_search.register(
        Searchable(
            kind="contact",
            label=_("Contacts"),
            model=Contact,
            visible=selectors.visible_contacts,
            names=_contact_names,
            show=show_contacts,
            more=lambda rows: _more_addresses("contact", rows),
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
            more=lambda rows: _more_addresses("company", rows),
            columns=("name", "nip", "vat_id", "regon", "website", "primary_email", "primary_phone", "external_id"),
        )
    )
