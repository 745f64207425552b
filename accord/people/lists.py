"""The contact and company lists: their columns and bulk actions (see core/lists.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.lists import Column, EditableField, ListScreen, register
from accord.identity.selectors import assignable_users
from accord.people import selectors, services
from accord.people.models import CompanySize, Language, Source


def _choice(choices: Sequence[tuple[str, Any]], *, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(choices=[("", "—"), *choices], required=required)


CONTACTS = register(
    ListScreen(
        key="contact",
        spec=selectors.CONTACT_LIST,
        title=_("contacts"),
        list_url="people:contact-list",
        export_url="people:contact-export",
        detail_url="people:contact-detail",
        columns=[
            Column("name", _("Name"), fixed=True),
            Column("email", _("E-mail")),
            Column("phone", _("Phone")),
            Column("owner", _("Owner")),
            Column("last_interaction", _("Last interaction")),
            Column("tags", _("Tags")),
            Column("source", _("Source"), default=False),
            Column("language", _("Language"), default=False),
            Column("created", _("Created"), default=False),
        ],
        visible=selectors.visible_contacts,
        describe=lambda contact: contact.full_name,
        assignable=assignable_users,
        tags=True,
        fields=[
            EditableField("source", _("Source"), lambda: _choice(Source.choices)),
            EditableField("preferred_language", _("Language"), lambda: _choice(Language.choices)),
        ],
        update=lambda actor, contact, data: services.update_contact(
            actor=actor, contact=contact, data=services.contact_data(data)
        ),
        delete=lambda actor, contact: services.delete_contact(actor=actor, contact=contact),
        prefetch=["tags"],
    )
)

COMPANIES = register(
    ListScreen(
        key="company",
        spec=selectors.COMPANY_LIST,
        title=_("companies"),
        list_url="people:company-list",
        export_url="people:company-export",
        detail_url="people:company-detail",
        columns=[
            Column("name", _("Name"), fixed=True),
            Column("tax_id", _("Tax id")),
            Column("industry", _("Industry")),
            Column("phone", _("Phone")),
            Column("owner", _("Owner")),
            Column("last_interaction", _("Last interaction")),
            Column("size", _("Size"), default=False),
            Column("country", _("Country"), default=False),
            Column("tags", _("Tags"), default=False),
        ],
        visible=selectors.visible_companies,
        describe=lambda company: company.name,
        assignable=assignable_users,
        tags=True,
        fields=[
            EditableField("size", _("Size"), lambda: _choice(CompanySize.choices)),
            EditableField("industry", _("Industry"), lambda: forms.CharField(max_length=80, required=False)),
            EditableField("preferred_language", _("Language"), lambda: _choice(Language.choices)),
        ],
        update=lambda actor, company, data: services.update_company(
            actor=actor, company=company, data=services.company_data(data)
        ),
        delete=lambda actor, company: services.delete_company(actor=actor, company=company),
        prefetch=["tags"],
    )
)
