"""The product catalogue and price lists."""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.core import changes, money
from accord.core.access import AccessDenied
from accord.core.errors import BadRequest, check_version
from accord.sales.models import PriceList, PriceListItem, Product, ProductPrice

if TYPE_CHECKING:
    from accord.identity.models import User

PRODUCT_FIELDS = ("sku", "name", "description", "unit", "unit_cost", "cost_currency", "vat_rate", "category", "active")
# The VAT rates a product may carry (ACCORD_VAT_RATES overrides them for other countries).
DEFAULT_VAT_RATES = ("0", "5", "8", "23")


def vat_rates() -> list[decimal.Decimal]:
    """The allowed VAT rates, lowest first."""
    configured = getattr(settings, "ACCORD_VAT_RATES", None) or DEFAULT_VAT_RATES
    return sorted({decimal.Decimal(str(rate)).quantize(decimal.Decimal("0.01")) for rate in configured})


def can_change_catalogue(actor: User | None) -> bool:
    """Whether ``actor`` may change products and price lists (screens ask before offering it)."""
    try:
        _require_catalogue_rights(actor)
    except AccessDenied:
        return False
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def _require_catalogue_rights(actor: User | None) -> None:
    """The catalogue is the company's, not a rep's: admins and managers keep it."""
    if actor is None:
        return
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise AccessDenied()
    role = actor.role
    if not (actor.is_superuser or role.is_admin or role.code == "manager"):
        raise AccessDenied()


def _clean_prices(prices: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]) -> dict[str, decimal.Decimal]:
    cleaned: dict[str, decimal.Decimal] = {}
    for i, item in enumerate(prices):
        currency = str(item.get("currency", "")).strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            errors[f"prices.{i}.currency"] = [_("Currency must be a three-letter code such as PLN or EUR.")]
            continue
        try:
            price = decimal.Decimal(str(item.get("price", "")).replace(",", "."))
        except decimal.InvalidOperation:
            errors[f"prices.{i}.price"] = [_("Enter a number.")]
            continue
        if not price.is_finite() or price < 0:
            errors[f"prices.{i}.price"] = [_("Enter a price of zero or more.")]
            continue
        if not money.fits(price):
            errors[f"prices.{i}.price"] = [money.too_large_message()]
            continue
        if currency in cleaned:
            errors[f"prices.{i}.currency"] = [_("This currency is listed twice.")]
            continue
        cleaned[currency] = price.quantize(decimal.Decimal("0.01"))
    return cleaned


def _apply(
    product: Product, data: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, decimal.Decimal] | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if "prices" in data and (
        not isinstance(data["prices"], Sequence)
        or isinstance(data["prices"], str)
        or not all(isinstance(item, Mapping) for item in data["prices"])
    ):
        # null or a lone value where the list of prices belongs: the request is malformed, not a price.
        message = _("prices must be a list of prices, each with a currency and a price.")
        raise BadRequest(message, {"prices": [message]})
    original_rate = product.vat_rate
    for name in PRODUCT_FIELDS:
        if name in data:
            value = data[name]
            setattr(product, name, value.strip() if isinstance(value, str) else value)
    product.cost_currency = (product.cost_currency or "").upper()
    prices = _clean_prices(data["prices"], errors) if "prices" in data else None
    try:
        product.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if product.sku and Product.objects.filter(sku__iexact=product.sku).exclude(pk=product.pk).exists():
        errors.setdefault("sku", []).append(_("Another product already has this SKU."))
    if product.vat_rate is not None and "vat_rate" not in errors:
        try:
            rate = decimal.Decimal(str(product.vat_rate))
        except decimal.InvalidOperation:
            rate = None
        allowed = vat_rates()
        # A product keeps a rate that was allowed when it was set; a new or changed rate must be allowed now.
        if rate not in allowed and (creating or rate != original_rate):
            rates = ", ".join(f"{r.normalize():f}%" for r in allowed)
            errors["vat_rate"] = [_("Choose one of the VAT rates: %(rates)s.") % {"rates": rates}]
    if (creating or "prices" in data) and not prices and not any(k.startswith("prices.") for k in errors):
        errors["prices"] = [_("Give the product a price in at least one currency.")]
    return prices, errors


def _write_prices(product: Product, prices: dict[str, decimal.Decimal]) -> None:
    ProductPrice.objects.filter(product=product).exclude(currency__in=list(prices)).delete()
    for currency, price in prices.items():
        ProductPrice.objects.update_or_create(product=product, currency=currency, defaults={"price": price})


def _price_snapshot(product: Product) -> dict[str, Any]:
    return {"prices": {p.currency: str(p.price) for p in ProductPrice.objects.filter(product=product)}}


@transaction.atomic
def create_product(*, actor: User | None, data: Mapping[str, Any]) -> Product:
    _require_catalogue_rights(actor)
    product = Product()
    prices, errors = _apply(product, data, creating=True)
    if errors:
        raise ValidationError(errors)
    product.save()
    _write_prices(product, prices or {})
    changes.record_create(actor=actor, obj=product, extra=_price_snapshot(product))
    return product


@transaction.atomic
def update_product(
    *, actor: User | None, product: Product, data: Mapping[str, Any], expected_version: int | None = None
) -> Product:
    _require_catalogue_rights(actor)
    locked = Product.objects.select_for_update().get(pk=product.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked, extra=_price_snapshot(locked))
    prices, errors = _apply(locked, data, creating=False)
    if errors:
        raise ValidationError(errors)
    if prices is not None:
        _write_prices(locked, prices)
    after = _price_snapshot(locked)
    if changes.snapshot(locked, extra=after) == before:
        return locked
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before, extra=after)
    return locked


@transaction.atomic
def save_price_list(
    *,
    actor: User | None,
    price_list: PriceList | None,
    data: Mapping[str, Any],
    items: Mapping[Product, Any] | None = None,
    expected_version: int | None = None,
) -> PriceList:
    """Create or change a price list and (when given) its prices per product."""
    _require_catalogue_rights(actor)
    creating = price_list is None
    target = PriceList() if price_list is None else PriceList.objects.select_for_update().get(pk=price_list.pk)
    if not creating:
        check_version(target, expected_version)
    before = None if creating else changes.snapshot(target)
    for name in ("name", "currency", "tag", "priority", "active", "valid_from", "valid_until"):
        if name in data:
            value = data[name]
            setattr(target, name, value.strip() if isinstance(value, str) else value)
    target.currency = (target.currency or "").upper()
    errors: dict[str, list[str]] = {}
    try:
        target.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if target.currency and "currency" not in errors and (len(target.currency) != 3 or not target.currency.isalpha()):
        errors["currency"] = [_("Currency must be a three-letter code such as PLN or EUR.")]
    if target.valid_from and target.valid_until and target.valid_until < target.valid_from:
        errors.setdefault("valid_until", []).append(_("The end of validity cannot come before its start."))
    if target.name and PriceList.objects.filter(name__iexact=target.name).exclude(pk=target.pk).exists():
        errors.setdefault("name", []).append(_("Another price list has this name."))
    cleaned: dict[Product, decimal.Decimal] = {}
    for product, raw in (items or {}).items():
        try:
            price = decimal.Decimal(str(raw).replace(",", "."))
            if not price.is_finite() or price < 0:
                raise decimal.InvalidOperation
        except decimal.InvalidOperation:
            errors[f"items.{product.sku}"] = [_("Enter a price of zero or more.")]
            continue
        cleaned[product] = price.quantize(decimal.Decimal("0.01"))
    if errors:
        raise ValidationError(errors)
    if not creating and before is not None and changes.snapshot(target) == before and items is None:
        return target
    if not creating:
        target.version += 1
    target.save()
    if items is not None:
        PriceListItem.objects.filter(price_list=target).delete()
        PriceListItem.objects.bulk_create(
            PriceListItem(price_list=target, product=p, price=v) for p, v in cleaned.items()
        )
    if creating:
        changes.record_create(actor=actor, obj=target)
    else:
        assert before is not None
        changes.record_update(actor=actor, obj=target, before=before)
    return target


def _items_snapshot(price_list: PriceList) -> dict[str, Any]:
    items = PriceListItem.objects.filter(price_list=price_list).select_related("product")
    # Not "items": the history template reads changes.items as the dict's items.
    return {"prices": {item.product.sku: str(item.price) for item in items}}


def _clean_item_price(raw: Any, errors: dict[str, list[str]]) -> decimal.Decimal | None:
    try:
        price = decimal.Decimal(str(raw).strip().replace(",", "."))
        if not price.is_finite() or price < 0:
            raise decimal.InvalidOperation
    except decimal.InvalidOperation:
        errors["price"] = [_("Enter a price of zero or more.")]
        return None
    if price >= decimal.Decimal("1e12"):
        errors["price"] = [_("Enter a smaller price.")]
        return None
    return price.quantize(decimal.Decimal("0.01"))


@transaction.atomic
def set_price_list_item(
    *,
    actor: User | None,
    price_list: PriceList,
    product: Product | None,
    price: Any,
    expected_version: int | None = None,
) -> PriceListItem:
    """Give ``product`` its price on this list (adding it, or changing the price it had)."""
    _require_catalogue_rights(actor)
    locked = PriceList.objects.select_for_update().get(pk=price_list.pk)
    check_version(locked, expected_version)
    errors: dict[str, list[str]] = {}
    if product is None:
        errors["product"] = [_("Choose a product.")]
    cleaned = _clean_item_price(price, errors)
    if errors:
        raise ValidationError(errors)
    assert product is not None
    assert cleaned is not None
    before = changes.snapshot(locked, extra=_items_snapshot(locked))
    item, _created = PriceListItem.objects.update_or_create(
        price_list=locked, product=product, defaults={"price": cleaned}
    )
    after = _items_snapshot(locked)
    if changes.snapshot(locked, extra=after) != before:
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        changes.record_update(actor=actor, obj=locked, before=before, extra=after)
    return item


@transaction.atomic
def remove_price_list_item(
    *, actor: User | None, price_list: PriceList, product: Product, expected_version: int | None = None
) -> None:
    """Take ``product`` off the list: its customers pay the catalogue price again."""
    _require_catalogue_rights(actor)
    locked = PriceList.objects.select_for_update().get(pk=price_list.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked, extra=_items_snapshot(locked))
    deleted, _rows = PriceListItem.objects.filter(price_list=locked, product=product).delete()
    if not deleted:
        return
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    changes.record_update(actor=actor, obj=locked, before=before, extra=_items_snapshot(locked))


@transaction.atomic
def delete_price_list(*, actor: User | None, price_list: PriceList, expected_version: int | None = None) -> None:
    _require_catalogue_rights(actor)
    locked = PriceList.objects.select_for_update().get(pk=price_list.pk)
    check_version(locked, expected_version)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked, extra=_items_snapshot(locked)))
    locked.delete()
