"""Forms of the company and contact screens: they parse, the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.forms import DateInput, add_custom_fields, collect_rows, custom_values
from accord.core.models import entity_label
from accord.identity.models import User
from accord.people.models import (
    AddressLabel,
    Channel,
    Company,
    CompanySize,
    Contact,
    EmailLabel,
    Language,
    PhoneLabel,
    Source,
)

ROWS = {
    "emails": ("email", "label"),
    "phones": ("number", "label"),
    "addresses": ("label", "street", "postal_code", "city", "region", "country"),
    "companies": ("company", "company_name", "job_title", "department"),
}
ROW_CHOICES = {
    "emails": EmailLabel.choices,
    "phones": PhoneLabel.choices,
    "addresses": AddressLabel.choices,
}


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class PartyForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Owner"))
    tags = forms.CharField(
        required=False,
        label=_("Tags"),
        help_text=_("Separate tags with commas."),
        widget=forms.TextInput(attrs={"placeholder": _("VIP, trade fair 2026")}),
    )
    notes = forms.CharField(required=False, label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    entity = ""

    def __init__(self, *args: Any, assignable: Any = None, custom: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignable is not None:
            cast(forms.ModelChoiceField, self.fields["owner"]).queryset = assignable
        else:
            del self.fields["owner"]
        self.custom_names = add_custom_fields(self, self.entity, custom)

    def rows(self, name: str) -> list[dict[str, str]]:
        return collect_rows(self.data, name, ROWS[name])

    def party_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "notes": self.cleaned_data["notes"],
            "tags": [t for t in self.cleaned_data["tags"].split(",") if t.strip()],
            "custom": custom_values(self, self.custom_names),
            "emails": self.rows("emails"),
            "phones": self.rows("phones"),
            "addresses": self.rows("addresses"),
        }
        if "owner" in self.fields and self.cleaned_data.get("owner"):
            data["owner"] = self.cleaned_data["owner"]
        return data


class ContactForm(PartyForm):
    entity = entity_label(Contact)
    first_name = forms.CharField(required=False, max_length=100, label=_("First name"))
    last_name = forms.CharField(required=False, max_length=100, label=_("Last name"))
    birthday = forms.DateField(required=False, label=_("Birthday"), widget=DateInput())
    preferred_language = forms.ChoiceField(required=False, choices=_blank(Language.choices), label=_("Language"))
    preferred_channel = forms.ChoiceField(required=False, choices=_blank(Channel.choices), label=_("Preferred channel"))
    source = forms.ChoiceField(required=False, choices=Source.choices, label=_("Source"), initial=Source.MANUAL)
    preferences = forms.CharField(
        required=False,
        label=_("Preferences"),
        help_text=_("Interests and product preferences, separated by commas."),
    )
    field_order = ["first_name", "last_name"]

    def contact_data(self, companies: dict[str, Company]) -> dict[str, Any]:
        data = self.party_data()
        data.update(
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
            birthday=self.cleaned_data["birthday"],
            preferred_language=self.cleaned_data["preferred_language"],
            preferred_channel=self.cleaned_data["preferred_channel"],
            source=self.cleaned_data["source"] or Source.MANUAL,
            preferences=[p for p in self.cleaned_data["preferences"].split(",") if p.strip()],
        )
        links = []
        for i, row in enumerate(self.rows("companies")):
            company = companies.get(row["company"])
            links.append(
                {
                    "company": company,
                    "job_title": row["job_title"],
                    "department": row["department"],
                    "is_primary": i == 0,
                }
            )
        data["companies"] = links
        return data

    def company_ids(self) -> list[str]:
        return [row["company"] for row in self.rows("companies") if row["company"]]


class CompanyForm(PartyForm):
    entity = entity_label(Company)
    name = forms.CharField(max_length=200, label=_("Name"))
    vat_id = forms.CharField(required=False, max_length=20, label=_("VAT id"))
    nip = forms.CharField(required=False, max_length=20, label=_("NIP"))
    regon = forms.CharField(required=False, max_length=20, label=_("REGON"))
    industry = forms.CharField(required=False, max_length=80, label=_("Industry"))
    size = forms.ChoiceField(required=False, choices=_blank(CompanySize.choices), label=_("Size"))
    website = forms.CharField(required=False, max_length=200, label=_("Website"))
    country = forms.CharField(required=False, max_length=2, label=_("Country"), help_text=_("Two letters, e.g. PL."))
    preferred_language = forms.ChoiceField(
        required=False,
        choices=_blank(Language.choices),
        label=_("Language"),
        help_text=_("Quotes and messages to its people are written in it when they name no language of their own."),
    )
    field_order = ["name"]

    def company_data(self) -> dict[str, Any]:
        data = self.party_data()
        for name in ("name", "vat_id", "nip", "regon", "industry", "size", "website", "country", "preferred_language"):
            data[name] = self.cleaned_data[name]
        return data


def contact_initial(contact: Contact) -> dict[str, Any]:
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "birthday": contact.birthday,
        "preferred_language": contact.preferred_language,
        "preferred_channel": contact.preferred_channel,
        "source": contact.source,
        "preferences": ", ".join(contact.preferences or []),
        "tags": ", ".join(t.name for t in contact.tags.all()),
        "notes": contact.notes,
        "owner": contact.owner_id,
        "version": contact.version,
    }


def company_initial(company: Company) -> dict[str, Any]:
    initial = {
        name: getattr(company, name)
        for name in (
            "name",
            "vat_id",
            "nip",
            "regon",
            "industry",
            "size",
            "website",
            "country",
            "preferred_language",
            "notes",
        )
    }
    initial.update(tags=", ".join(t.name for t in company.tags.all()), owner=company.owner_id, version=company.version)
    return initial


def rows_of(obj: Any) -> dict[str, list[dict[str, str]]]:
    """A saved record's repeatable rows, as the form shows them."""
    rows: dict[str, list[dict[str, str]]] = {
        "emails": [{"email": e.email, "label": e.label} for e in obj.emails.all()],
        "phones": [{"number": p.display, "label": p.label} for p in obj.phones.all()],
        "addresses": [{f: getattr(a, f) for f in ROWS["addresses"]} for a in obj.addresses.all()],
    }
    if isinstance(obj, Contact):
        rows["companies"] = [
            {
                "company": str(link.company_id),
                "company_name": link.company.name,
                "job_title": link.job_title,
                "department": link.department,
            }
            for link in obj.company_links.all()
        ]
    return rows
