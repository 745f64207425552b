"""Contacts and companies in the global search box."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.core import global_search, search
from accord.people import selectors
from accord.people.models import Contact, ContactCompany
from accord.people.validators import format_phone


def _contact_label(contact: Contact) -> list[str]:
    return [contact.full_name, contact.primary_email]


def search_contacts(user: Any, query: str, limit: int) -> list[global_search.Hit]:
    visible = selectors.visible_contacts(user)
    hits = search.ranked(
        visible,
        query,
        limit=limit,
        label=_contact_label,
        fields=("first_name", "last_name", "primary_email", "primary_phone"),
    )
    companies = {
        link.contact_id: link.company.name
        for link in ContactCompany.objects.filter(
            contact_id__in=[h.obj.pk for h in hits], is_primary=True
        ).select_related("company")
    }
    return [
        global_search.Hit(
            type="contact",
            id=h.obj.pk,
            title=h.obj.full_name,
            subtitle=" · ".join(
                p
                for p in (
                    companies.get(h.obj.pk, ""),
                    h.obj.primary_email,
                    format_phone(h.obj.primary_phone) if h.obj.primary_phone else "",
                )
                if p
            ),
            url=reverse("people:contact-detail", args=[h.obj.pk]),
            score=h.score,
        )
        for h in hits
    ]


def search_companies(user: Any, query: str, limit: int) -> list[global_search.Hit]:
    visible = selectors.visible_companies(user)
    hits = search.ranked(
        visible,
        query,
        limit=limit,
        label=lambda c: [c.name, c.nip, c.vat_id],
        fields=("name", "nip", "vat_id", "primary_email"),
    )
    return [
        global_search.Hit(
            type="company",
            id=h.obj.pk,
            title=h.obj.name,
            subtitle=" · ".join(p for p in (f"NIP {h.obj.nip}" if h.obj.nip else "", h.obj.primary_email) if p),
            url=reverse("people:company-detail", args=[h.obj.pk]),
            score=h.score,
        )
        for h in hits
    ]


global_search.register("contact", _("Contacts"), search_contacts)
global_search.register("company", _("Companies"), search_companies)
