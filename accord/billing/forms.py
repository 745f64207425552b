"""Forms of the billing screens: they only parse what was typed; the services judge it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.billing import countries
from accord.billing.models import PaymentMethod

LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "discount_percent", "vat_rate", "split_payment_goods")
BLANK_ROWS = 3


def rate_choices() -> list[tuple[str, str]]:
    return [(code, countries.rate_label(code)) for code in countries.current().vat_rates]


class CompanyPickerMixin(forms.Form):
    company = forms.UUIDField(required=False, widget=forms.HiddenInput)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)

    def add_prefix(self, field_name: str) -> str:
        # The company picker (accord.js) fills inputs named "*-company" and "*-company_name".
        if field_name in ("company", "company_name"):
            return f"billing-{field_name}"
        return super().add_prefix(field_name)


class InvoiceForm(CompanyPickerMixin):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("vat", pgettext_lazy("invoice kind", "VAT invoice")),
            ("proforma", pgettext_lazy("invoice kind", "Pro-forma")),
        ],
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial=settings.DEFAULT_CURRENCY)
    language = forms.ChoiceField(label=_("Language"), required=False)
    issue_date = forms.DateField(
        label=_("Date of issue"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sale_date = forms.DateField(label=_("Date of sale"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    place_of_issue = forms.CharField(label=_("Place of issue"), max_length=100, required=False)
    payment_method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), min_value=0, max_value=365, initial=14)
    bank_account = forms.CharField(label=_("Bank account"), max_length=60, required=False)
    buyer_name = forms.CharField(label=_("Buyer"), max_length=200, required=False)
    buyer_tax_id = forms.CharField(label=_("Buyer tax id"), max_length=30, required=False)
    buyer_country = forms.CharField(label=_("Buyer country"), max_length=2, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language_field = self.fields["language"]
        assert isinstance(language_field, forms.ChoiceField)
        language_field.choices = [("", _("The customer's language")), *settings.LANGUAGES]

    def for_draft(self) -> InvoiceForm:
        """The form for changing a draft: its kind and customer stay as they are."""
        for name in ("kind", "company", "company_name"):
            del self.fields[name]
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        return self

    def invoice_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("company", "company_name", "version")}
        # Left empty, the buyer's block comes from the customer.
        for name in ("buyer_name", "buyer_tax_id", "buyer_country", "bank_account", "language"):
            if not data.get(name):
                data.pop(name, None)
        return data


class OrderForm(CompanyPickerMixin):
    currency = forms.CharField(label=_("Currency"), max_length=3, initial=settings.DEFAULT_CURRENCY)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount"), max_length=40)
    received_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=140, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)


def posted_lines(data: QueryDict, prefix: str = "lines") -> list[dict[str, Any]]:
    """The line rows of a form (``lines-0-description``...), the empty ones left out."""
    rows: dict[int, dict[str, Any]] = {}
    for key in data:
        parts = key.split("-")
        if len(parts) != 3 or parts[0] != prefix or not parts[1].isdigit() or parts[2] not in (*LINE_FIELDS, "line"):
            continue
        rows.setdefault(int(parts[1]), {})[parts[2]] = data.get(key, "").strip()
    result = []
    for _index, row in sorted(rows.items()):
        if not any(row.get(name) for name in ("description", "unit_price", "line")):
            continue
        row["split_payment_goods"] = bool(row.get("split_payment_goods"))
        result.append({k: v for k, v in row.items() if v != ""})
    return result
