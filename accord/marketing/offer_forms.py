"""The offer rule form: it parses the fields and puts the purchase conditions together as a segment
rule tree; ``services.offers`` decides what is valid, as it does for the API."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.marketing.models import OfferRule
from accord.marketing.selectors import offers as selectors

# The purchase conditions the form has fields for; anything else in a rule's tree is shown as JSON.
SIMPLE = ("bought_product", "never_bought", "spent_over")


def _products(current: Any = None) -> list[tuple[str, str]]:
    return [(str(p.pk), f"{p.name} ({p.sku})") for p in selectors.offerable_products(current)]


class OfferRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    product = forms.ChoiceField(label=_("Product"), required=False)
    title = forms.CharField(
        label=_("Offer text"), required=False, max_length=200, help_text=_("The product's name if empty.")
    )
    url = forms.CharField(label=_("Link"), required=False, max_length=500)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    preferences = forms.CharField(
        label=_("Preferences (any of)"), required=False, help_text=_("Separated by commas, e.g. Organic, Coffee.")
    )
    classifications = forms.CharField(
        label=_("Classifications (any of)"), required=False, help_text=_("Separated by commas, e.g. A, B.")
    )
    bought_product = forms.ChoiceField(label=_("Bought the product"), required=False)
    bought_days = forms.IntegerField(label=_("in the last … days"), required=False, min_value=1, initial=365)
    never_bought = forms.ChoiceField(label=_("Never bought the product"), required=False)
    spent_over = forms.DecimalField(label=_("Spent more than"), required=False, min_value=0, decimal_places=2)
    spent_days = forms.IntegerField(label=_("in the last … days (spending)"), required=False, min_value=1, initial=365)
    other_conditions = forms.CharField(
        label=_("Other conditions (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
        help_text=_('Segment rules, all of which must hold, e.g. [{"type": "tag", "tag": "…"}].'),
    )
    priority = forms.IntegerField(label=_("Priority"), initial=0, help_text=_("The higher wins."))
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    holdout_percent = forms.IntegerField(
        label=_("Hold-out share (%)"),
        initial=0,
        help_text=_("Matching contacts never offered this, to measure the uplift (0 to 50)."),
    )
    repurchase_days = forms.IntegerField(
        label=_("Not after a purchase for (days)"),
        initial=90,
        help_text=_("No offer of the product to someone who bought it within this many days."),
    )
    conversion_days = forms.IntegerField(label=_("Conversion window (days)"), initial=30)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, rule: OfferRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(rule)
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *_products(rule.product if rule is not None else None)]
        for name in ("product", "bought_product", "never_bought"):
            self.fields[name].choices = choices  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        """What ``services.offers`` takes, from the cleaned fields."""
        d = self.cleaned_data
        rules: list[dict[str, Any]] = []
        if d.get("bought_product"):
            rules.append(
                {"type": "bought_product", "product": d["bought_product"], "days": d.get("bought_days") or 365}
            )
        if d.get("never_bought"):
            rules.append({"type": "never_bought", "product": d["never_bought"]})
        if d.get("spent_over") is not None:
            rules.append({"type": "spent_over", "amount": str(d["spent_over"]), "days": d.get("spent_days") or 365})
        data: dict[str, Any] = {
            name: d.get(name)
            for name in (
                "name",
                "title",
                "url",
                "description",
                "preferences",
                "classifications",
                "priority",
                "valid_from",
                "valid_until",
                "holdout_percent",
                "repurchase_days",
                "conversion_days",
                "active",
            )
        }
        data["product"] = d.get("product") or None
        other = (d.get("other_conditions") or "").strip()
        if other:
            try:
                extra = json.loads(other)
            except ValueError:
                extra = None
            if isinstance(extra, dict) and "rules" in extra:
                extra = [extra]
            if not isinstance(extra, list):
                self.add_error("other_conditions", _("Enter a JSON list of segment rules."))
                extra = []
            rules.extend(extra)
        data["conditions"] = {"match": "all", "rules": rules}
        return data


def initial_for(rule: OfferRule) -> dict[str, Any]:
    """The form's fields for a saved rule: the first condition of each simple kind in its fields,
    the rest as JSON."""
    initial: dict[str, Any] = {
        "name": rule.name,
        "product": str(rule.product_id or ""),
        "title": rule.title,
        "url": rule.url,
        "description": rule.description,
        "preferences": ", ".join(rule.preferences or []),
        "classifications": ", ".join(rule.classifications or []),
        "priority": rule.priority,
        "valid_from": rule.valid_from,
        "valid_until": rule.valid_until,
        "holdout_percent": rule.holdout_percent,
        "repurchase_days": rule.repurchase_days,
        "conversion_days": rule.conversion_days,
        "active": rule.active,
        "version": rule.version,
    }
    tree = rule.conditions or {"match": "all", "rules": []}
    if tree.get("match", "all") != "all":
        initial["other_conditions"] = json.dumps([tree], ensure_ascii=False)
        return initial
    rest: list[Any] = []
    for item in tree.get("rules", []):
        kind = item.get("type")
        if kind == "bought_product" and "bought_product" not in initial:
            initial["bought_product"], initial["bought_days"] = item["product"], item.get("days")
        elif kind == "never_bought" and "never_bought" not in initial:
            initial["never_bought"] = item["product"]
        elif kind == "spent_over" and "spent_over" not in initial:
            initial["spent_over"], initial["spent_days"] = item["amount"], item.get("days")
        else:
            rest.append(item)
    if rest:
        initial["other_conditions"] = json.dumps(rest, ensure_ascii=False)
    return initial
