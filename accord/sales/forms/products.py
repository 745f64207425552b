"""Forms of the product and price-list screens: they parse what the browser sent, the services in
``accord.sales.services.products`` decide what is valid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.forms import DateInput, collect_rows
from accord.core.selectors import all_tags
from accord.sales.models import PriceList, Product
from accord.sales.selectors import products as product_selectors
from accord.sales.services.products import vat_rates

_UPPER = {"class": "uppercase", "maxlength": "3", "autocapitalize": "characters"}


def _rate_choices() -> list[tuple[str, str]]:
    return [(f"{rate.normalize():f}", f"{rate.normalize():f}%") for rate in vat_rates()]


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.CharField(label=_("Category"), max_length=80, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="pcs", help_text=_("e.g. pcs, h, day, user"))
    vat_rate = forms.ChoiceField(label=_("VAT rate"), choices=())
    unit_cost = forms.DecimalField(
        label=_("Unit cost"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("What one unit costs you, for the margin."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    cost_currency = forms.CharField(
        label=_("Cost currency"), max_length=3, required=False, widget=forms.TextInput(attrs=_UPPER)
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=_("Active: can be put on deals and quotes"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _rate_choices()
        current = self.initial.get("vat_rate")
        if current and current not in {c for c, _label in choices}:
            # A product priced before the allowed rates changed keeps showing its own rate.
            choices.append((current, f"{current}%"))
        field = self.fields["vat_rate"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        self.price_rows: list[dict[str, str]] = collect_rows(self.data, "prices", ("currency", "price"))

    @staticmethod
    def initial_for(product: Product | None) -> dict[str, Any]:
        if product is None:
            return {"unit": "pcs", "vat_rate": "23", "active": True}
        return {
            **{f: getattr(product, f) for f in ("sku", "name", "category", "unit", "description", "active")},
            "vat_rate": f"{product.vat_rate.normalize():f}",
            "unit_cost": product.unit_cost,
            "cost_currency": product.cost_currency,
            "version": product.version,
        }

    def product_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data[name]
            for name in ("sku", "name", "category", "unit", "vat_rate", "unit_cost", "cost_currency", "description")
        }
        data["active"] = self.cleaned_data["active"]
        data["prices"] = [{"currency": r["currency"], "price": r["price"]} for r in self.price_rows]
        return data


def price_rows_for(product: Product | None, default_currency: str) -> list[dict[str, str]]:
    if product is None:
        return [{"currency": default_currency, "price": ""}]
    return [{"currency": p.currency, "price": f"{p.price}"} for p in product.prices.all()]


def row_errors(leftover: Mapping[str, list[str]], prefix: str) -> dict[int, dict[str, list[str]]]:
    """``prices.1.price`` -> {1: {"price": [...]}} for the template's repeatable rows."""
    found: dict[int, dict[str, list[str]]] = {}
    for key, messages in leftover.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            found.setdefault(int(parts[1]), {}).setdefault(parts[2], []).extend(messages)
    return found


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    tag = forms.ModelChoiceField(
        label=_("For companies tagged"),
        queryset=all_tags(),
        help_text=_("Companies with this tag pay the prices of this list."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, widget=forms.TextInput(attrs=_UPPER))
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=32767,
        initial=0,
        help_text=_("When a company has several lists, the higher priority wins."),
    )
    valid_from = forms.DateField(label=pgettext_lazy("price list", "Valid from"), required=False, widget=DateInput())
    valid_until = forms.DateField(label=pgettext_lazy("price list", "Valid until"), required=False, widget=DateInput())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(price_list: PriceList | None, default_currency: str) -> dict[str, Any]:
        if price_list is None:
            return {"currency": default_currency, "priority": 0, "active": True}
        fields = ("name", "currency", "priority", "valid_from", "valid_until", "active")
        return {**{f: getattr(price_list, f) for f in fields}, "tag": price_list.tag_id, "version": price_list.version}

    def price_list_data(self) -> dict[str, Any]:
        fields = ("name", "tag", "currency", "priority", "valid_from", "valid_until", "active")
        return {name: self.cleaned_data[name] for name in fields}


class PriceListItemForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=product_selectors.active_products(), empty_label=_("Choose a product…")
    )
    price = forms.CharField(label=_("Price"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
