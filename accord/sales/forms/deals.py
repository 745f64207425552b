"""Forms of the deal screens: they parse, the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.forms import DateInput
from accord.identity.models import Territory, User
from accord.identity.selectors import territory_choices
from accord.sales.models import Deal, LostReason, Pipeline, Product, Stage
from accord.sales.selectors import products as product_selectors
from accord.sales.selectors import settings as settings_selectors


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.pipeline} · {obj}"


class DealForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    pipeline = forms.ModelChoiceField(
        label=pgettext_lazy("sales pipeline", "Pipeline"), queryset=Pipeline.objects.none(), required=False
    )
    stage = StageChoiceField(label=_("Stage"), queryset=Stage.objects.none(), required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False)
    follow_lines = forms.BooleanField(label=_("Use the product lines' total"), required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3)
    expected_close = forms.DateField(label=_("Expected close"), required=False, widget=DateInput())
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    territory = forms.ModelChoiceField(label=_("Territory"), queryset=Territory.objects.none(), required=False)
    company = forms.UUIDField(required=False, widget=forms.HiddenInput)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, assignable: Any = None, creating: bool = True, amounts: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not amounts:
            # A role that may not see amounts may not set one either (the service refuses it too).
            del self.fields["amount"]
            del self.fields["follow_lines"]
        pipelines = settings_selectors.pipelines(active=True)
        pipeline_field = cast(forms.ModelChoiceField, self.fields["pipeline"])
        pipeline_field.queryset = pipelines
        pipeline_field.empty_label = _("The default pipeline")
        stages = settings_selectors.all_stages(active=True)
        stage_field = cast(forms.ModelChoiceField, self.fields["stage"])
        stage_field.queryset = stages
        stage_field.empty_label = _("Its first stage")
        territory_field = cast(forms.ModelChoiceField, self.fields["territory"])
        territory_field.queryset = territory_choices()
        territory_field.empty_label = _("The company's territory")
        if assignable is None:
            del self.fields["owner"]
        else:
            cast(forms.ModelChoiceField, self.fields["owner"]).queryset = assignable
        if not creating:
            # A deal changes stage by moving (history, probability, lost reason), never by editing.
            del self.fields["pipeline"]
            del self.fields["stage"]

    def add_prefix(self, field_name: str) -> str:
        # The company picker (accord.js, shared with the contact form) fills inputs named "*-company"
        # and "*-company_name".
        if field_name in ("company", "company_name"):
            return f"deal-{field_name}"
        return super().add_prefix(field_name)

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pipeline, stage = data.get("pipeline"), data.get("stage")
        if pipeline is not None and stage is not None and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", _("That stage belongs to another pipeline."))
        return data

    @staticmethod
    def initial_for(deal: Deal | None, user: Any) -> dict[str, Any]:
        if deal is None:
            return {"owner": user.pk, "currency": settings.DEFAULT_CURRENCY}
        return {
            "name": deal.name,
            "amount": deal.amount,
            "follow_lines": deal.amount_source == "lines",
            "currency": deal.currency,
            "expected_close": deal.expected_close,
            "owner": deal.owner_id,
            "territory": deal.territory_id,
            "company": deal.company_id,
            "company_name": deal.company.name if deal.company else "",
            "next_step": deal.next_step,
            "description": deal.description,
            "version": deal.version,
        }

    def deal_data(self, company: Any, *, has_lines: bool) -> dict[str, Any]:
        """What the service takes; the company is resolved (and access-checked) by the view."""
        data: dict[str, Any] = {
            name: self.cleaned_data[name] for name in ("name", "currency", "expected_close", "next_step", "description")
        }
        data["company"] = company
        creating = "pipeline" in self.fields
        if self.cleaned_data.get("territory") is not None or not creating:
            # Left empty on a new deal, the territory follows the company's.
            data["territory"] = self.cleaned_data.get("territory")
        if "amount" not in self.fields:
            pass
        elif has_lines and self.cleaned_data.get("follow_lines"):
            data["amount_source"] = "lines"
        elif has_lines:
            # The box unticked: the amount is what the field says, whatever the lines add up to.
            data["amount_source"] = "manual"
            data["amount"] = self.cleaned_data.get("amount") or 0
        else:
            # Without lines the service decides: a typed amount stays, none follows lines to come.
            data["amount"] = self.cleaned_data.get("amount") or 0
        if "owner" in self.fields and self.cleaned_data.get("owner"):
            data["owner"] = self.cleaned_data["owner"]
        return data


class LoseForm(forms.Form):
    reason = forms.ModelChoiceField(label=_("Why was it lost?"), queryset=LostReason.objects.none())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["reason"]).queryset = settings_selectors.lost_reasons(active=True)


class LineForm(forms.Form):
    """One product line. Price, VAT and description may stay empty when a product is chosen: they
    come from the customer's price list and the catalogue."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, min_value=0.001, initial=1)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2, min_value=0, required=False)
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    vat_rate = forms.DecimalField(
        label=_("VAT (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["product"]).queryset = product_selectors.active_products()

    def line_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "product": data.get("product"),
            "description": data.get("description") or "",
            "quantity": data["quantity"],
            "unit_price": data.get("unit_price"),
            "discount_percent": data.get("discount_percent") or 0,
            "vat_rate": data.get("vat_rate"),
        }


def line_as_input(line: Any) -> dict[str, Any]:
    """A stored line as the service's input, so the other lines survive an edit of one."""
    return {
        "product": line.product,
        "description": line.description,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "discount_percent": line.discount_percent,
        "vat_rate": line.vat_rate,
    }
