"""Forms of the lead screens: they parse, the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.identity.models import User
from accord.sales.models import Lead, LeadSource


class LeadForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False, widget=forms.EmailInput())
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    message = forms.CharField(label=_("Message or notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, assignable: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignable is None:
            del self.fields["owner"]
        else:
            cast(forms.ModelChoiceField, self.fields["owner"]).queryset = assignable

    @staticmethod
    def initial_for(lead: Lead | None, user: Any) -> dict[str, Any]:
        if lead is None:
            return {"source": LeadSource.PHONE, "owner": user.pk}
        fields = ("first_name", "last_name", "company_name", "job_title", "email", "phone", "source", "message")
        return {**{f: getattr(lead, f) for f in fields}, "owner": lead.owner_id, "version": lead.version}

    def lead_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data[name]
            for name in ("first_name", "last_name", "company_name", "job_title", "email", "phone", "source", "message")
        }
        if "owner" in self.fields and self.cleaned_data.get("owner"):
            data["owner"] = self.cleaned_data["owner"]
        return data


class ConvertForm(forms.Form):
    contact = forms.ChoiceField(label=_("Contact"), widget=forms.RadioSelect)
    company = forms.ChoiceField(label=_("Company"), widget=forms.RadioSelect, required=False)
    create_deal = forms.BooleanField(label=_("Create a deal"), required=False, initial=True)
    deal_name = forms.CharField(label=_("Deal name"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), required=False, min_value=0, max_digits=14, decimal_places=2)

    def __init__(
        self, *args: Any, lead: Lead, contacts: list[Any], companies: list[Any], amounts: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not amounts:
            del self.fields["amount"]  # a role that may not see amounts may not set one
        new = [("", _("Create a new contact"))]
        cast(forms.ChoiceField, self.fields["contact"]).choices = [
            *[(str(d.record.pk), f"{d.record} — {', '.join(d.reason_labels)}") for d in contacts],
            *new,
        ]
        self.fields["contact"].required = False
        self.fields["contact"].initial = (
            str(contacts[0].record.pk) if contacts and {"email", "phone"} & set(contacts[0].reasons) else ""
        )
        cast(forms.ChoiceField, self.fields["company"]).choices = [
            *[(str(d.record.pk), f"{d.record} — {', '.join(d.reason_labels)}") for d in companies],
            ("", _("Create a new company") if lead.company_name else _("No company")),
        ]
        self.fields["company"].initial = str(companies[0].record.pk) if companies else ""
        self.fields["deal_name"].initial = lead.company_name or str(lead)
