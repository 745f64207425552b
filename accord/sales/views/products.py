"""Product catalogue and price-list screens. Everyone signed in may look; admins and managers keep
the catalogue (the services refuse anyone else, and the screens do not offer it to them)."""

from __future__ import annotations

import decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import history, lists
from accord.core import selectors as core_selectors
from accord.core.access import AccessDenied
from accord.core.errors import Conflict
from accord.core.forms import apply_errors
from accord.core.listing import parse
from accord.core.requests import AuthedRequest
from accord.sales.forms.products import PriceListForm, PriceListItemForm, ProductForm, price_rows_for, row_errors
from accord.sales.models import PriceList, Product
from accord.sales.selectors import products as selectors
from accord.sales.services import products as services

HUNDRED = decimal.Decimal(100)


def _require_editor(request: AuthedRequest) -> None:
    if not services.can_change_catalogue(request.user):
        raise AccessDenied()


def _get_product(request: HttpRequest, pk: Any) -> Product:
    return selectors.product_detail(request.user, pk)


def _get_price_list(request: HttpRequest, pk: Any) -> PriceList:
    return selectors.price_list_detail(request.user, pk)


def _flat(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in params.items() for v in values]


def _history(request: HttpRequest, obj: Any) -> list[history.Row]:
    return core_selectors.history(request.user, obj, limit=50)


# --- products ---------------------------------------------------------------------------------------


@login_required
def product_list(request: AuthedRequest) -> HttpResponse:
    query = parse(selectors.PRODUCT_LIST, request.GET, strict=False, default_limit=settings.ACCORD_PAGE_SIZE)
    page = selectors.product_page(query)
    base = dict(query.raw)
    return render(
        request,
        "sales/product_list.html",
        {
            **lists.context(request, lists.get("product"), query),
            "page": page,
            "query": query,
            "rates": [f"{r.normalize():f}" for r in services.vat_rates()],
            "can_edit": services.can_change_catalogue(request.user),
            "next_link": urlencode([*_flat(base), ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*_flat(base), ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


def margins(product: Product) -> list[dict[str, Any]]:
    """Each list price with the margin over the unit cost, where the cost is in the same currency."""
    cost_currency = product.cost_currency or settings.DEFAULT_CURRENCY
    rows = []
    for price in product.prices.all():
        gross = (price.price * (HUNDRED + product.vat_rate) / HUNDRED).quantize(decimal.Decimal("0.01"))
        row: dict[str, Any] = {
            "currency": price.currency,
            "price": price.price,
            "gross": gross,
            "margin": None,
            "percent": None,
        }
        if product.unit_cost is not None and price.currency == cost_currency:
            row["margin"] = price.price - product.unit_cost
            if price.price:
                row["percent"] = (row["margin"] * HUNDRED / price.price).quantize(decimal.Decimal("0.1"))
        rows.append(row)
    return rows


@login_required
def product_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    product = _get_product(request, pk)
    items = selectors.price_list_items(product=product)
    return render(
        request,
        "sales/product_detail.html",
        {
            "product": product,
            "prices": margins(product),
            "items": items,
            "history_rows": _history(request, product),
            "can_edit": services.can_change_catalogue(request.user),
        },
    )


@login_required
def product_form(request: AuthedRequest, pk: Any = None) -> HttpResponse:
    _require_editor(request)
    product = _get_product(request, pk) if pk else None
    errors_by_row: dict[int, dict[str, list[str]]] = {}
    if request.method == "POST":
        form = ProductForm(request.POST)
        rows = form.price_rows
        if form.is_valid():
            try:
                if product is None:
                    product = services.create_product(actor=request.user, data=form.product_data())
                else:
                    services.update_product(
                        actor=request.user,
                        product=product,
                        data=form.product_data(),
                        expected_version=form.cleaned_data["version"],
                    )
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                leftover = apply_errors(form, exc, rows=("prices",))
                errors_by_row = row_errors(leftover, "prices")
                if "prices" in exc.message_dict:
                    form.add_error(None, " ".join(exc.message_dict["prices"]))
            else:
                messages.success(request, _("The product was saved."))
                return redirect("sales:product-detail", pk=product.pk)
    else:
        form = ProductForm(initial=ProductForm.initial_for(product))
        rows = price_rows_for(product, settings.DEFAULT_CURRENCY)
    price_rows = [{**row, "errors": errors_by_row.get(i, {})} for i, row in enumerate(rows)]
    if not price_rows:
        price_rows = [{"currency": settings.DEFAULT_CURRENCY, "price": "", "errors": {}}]
    return render(request, "sales/product_form.html", {"form": form, "product": product, "price_rows": price_rows})


@login_required
@require_POST
def product_active(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Deactivate (or bring back) a product: it stays on past deals but cannot be put on new ones."""
    _require_editor(request)
    product = _get_product(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.update_product(actor=request.user, product=product, data={"active": active})
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("The product is active again.") if active else _("The product was deactivated."))
    return redirect("sales:product-detail", pk=product.pk)


# --- price lists ------------------------------------------------------------------------------------


@login_required
def pricelist_list(request: AuthedRequest) -> HttpResponse:
    lists = selectors.price_lists(request.user, with_counts=True)
    return render(
        request,
        "sales/pricelist_list.html",
        {"lists": lists, "can_edit": services.can_change_catalogue(request.user)},
    )


@login_required
def pricelist_form(request: AuthedRequest, pk: Any = None) -> HttpResponse:
    _require_editor(request)
    price_list = _get_price_list(request, pk) if pk else None
    if request.method == "POST":
        form = PriceListForm(request.POST)
        if form.is_valid():
            try:
                price_list = services.save_price_list(
                    actor=request.user,
                    price_list=price_list,
                    data=form.price_list_data(),
                    expected_version=form.cleaned_data["version"],
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The price list was saved."))
                return redirect("sales:pricelist-detail", pk=price_list.pk)
    else:
        form = PriceListForm(initial=PriceListForm.initial_for(price_list, settings.DEFAULT_CURRENCY))
    return render(request, "sales/pricelist_form.html", {"form": form, "price_list": price_list})


@login_required
def pricelist_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    price_list = _get_price_list(request, pk)
    can_edit = services.can_change_catalogue(request.user)
    item_form = PriceListItemForm()
    if request.method == "POST":
        _require_editor(request)
        item_form = PriceListItemForm(request.POST)
        if item_form.is_valid():
            try:
                services.set_price_list_item(
                    actor=request.user,
                    price_list=price_list,
                    product=item_form.cleaned_data["product"],
                    price=item_form.cleaned_data["price"],
                )
            except ValidationError as exc:
                apply_errors(item_form, exc)
            else:
                messages.success(request, _("The price was saved."))
                return redirect("sales:pricelist-detail", pk=price_list.pk)
    items = selectors.price_list_items(price_list=price_list)
    catalogue = selectors.catalogue_prices([i.product_id for i in items], price_list.currency)
    rows = []
    for item in items:
        listed = catalogue.get(item.product_id)
        discount = None
        if listed:
            discount = ((listed - item.price) * HUNDRED / listed).quantize(decimal.Decimal("0.1"))
        rows.append({"item": item, "listed": listed, "discount": discount})
    return render(
        request,
        "sales/pricelist_detail.html",
        {
            "price_list": price_list,
            "rows": rows,
            "item_form": item_form,
            "can_edit": can_edit,
            "history_rows": _history(request, price_list),
        },
        status=422 if item_form.is_bound and item_form.errors else 200,
    )


@login_required
@require_POST
def pricelist_item_remove(request: AuthedRequest, pk: Any, product_pk: Any) -> HttpResponse:
    _require_editor(request)
    price_list = _get_price_list(request, pk)
    product = selectors.product_detail(request.user, product_pk)
    services.remove_price_list_item(actor=request.user, price_list=price_list, product=product)
    messages.success(request, _("%(product)s was taken off the list.") % {"product": product.name})
    return redirect("sales:pricelist-detail", pk=price_list.pk)


@login_required
@require_POST
def pricelist_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_editor(request)
    price_list = _get_price_list(request, pk)
    services.delete_price_list(actor=request.user, price_list=price_list)
    messages.success(request, _("The price list was deleted."))
    return redirect("sales:pricelist-list")
