"""The entities a report can be built on.

Each entity names the records a user may see (through the owning app's selector, so the access
policy scopes every figure and every drill-down), the dimensions a pivot can group and filter by,
and the numeric fields its measures add up. Amount fields are offered only to roles that may see
amounts (``access.sees_amounts``); billing entities are amounts through and through, so they are
offered only to those roles at all.

Dimensions follow forward foreign keys only: a path through a to-many relation would count a record
once per related row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.core import access
from accord.service.selectors.tickets import visible_tickets

CATEGORY, CHOICE, FK, DATE, BOOLEAN = "category", "choice", "fk", "date", "boolean"
USER_LABEL = ("first_name", "last_name", "username")


@dataclass(frozen=True)
class Dimension:
    """A field to group or filter by."""

    key: str
    path: str  # the ORM path from the entity's model
    label: Any
    kind: str  # CATEGORY, CHOICE, FK, DATE or BOOLEAN
    # For a foreign key: the related model's fields that name a row (a user: first, last name and
    # username as the fallback).
    label_fields: tuple[str, ...] = ("name",)


@dataclass(frozen=True)
class Number:
    """A numeric field that measures sum, average, minimum and maximum."""

    key: str
    path: str
    label: Any
    currency: str = ""  # the path of the amount's currency: set for money, which only some roles see


@dataclass(frozen=True)
class Entity:
    key: str
    label: Any
    model: str  # "app_label.Model"
    visible: Callable[[Any], QuerySet[Any]]
    detail: Callable[[Any], str]  # the URL of a record's page
    dimensions: tuple[Dimension, ...]
    numbers: tuple[Number, ...] = ()
    amounts_only: bool = False  # offered only to roles that see amounts
    related: tuple[str, ...] = ()  # select_related for the drill-down's rows
    count_label: Any = None  # what "count" is called: "Deals"; the entity's label when None

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def number(self, key: str) -> Number | None:
        return next((n for n in self.numbers if n.key == key), None)

    def numbers_for(self, user: Any) -> tuple[Number, ...]:
        amounts = access.sees_amounts(user)
        return tuple(n for n in self.numbers if amounts or not n.currency)


@dataclass
class Registry:
    entities: dict[str, Entity] = field(default_factory=dict)

    def add(self, entity: Entity) -> None:
        self.entities[entity.key] = entity

    def get(self, key: str) -> Entity | None:
        return self.entities.get(key)

    def for_user(self, user: Any) -> list[Entity]:
        amounts = access.sees_amounts(user)
        return [e for e in self.entities.values() if amounts or not e.amounts_only]


def model_field(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    """The field at the end of ``path`` ("order__company" -> Order.company)."""
    parts = path.split("__")
    for part in parts[:-1]:
        related = model._meta.get_field(part).related_model
        assert related is not None
        assert not isinstance(related, str)
        model = related
    found = model._meta.get_field(parts[-1])
    assert isinstance(found, models.Field)
    return found


def choices_of(entity: Entity, dimension: Dimension) -> dict[str, str]:
    """A choice field's stored values and their labels, in the active language."""
    found = model_field(entity.model_class, dimension.path)
    return {str(value): str(label) for value, label in (found.choices or [])}


REGISTRY = Registry()


def _customer_dims(doc: str) -> tuple[Dimension, ...]:
    """A line's product category and its document's customer (company): where, whose, and how
    the classification values them."""
    company = f"{doc}__company"
    return (
        Dimension("category", "product__category", _("Product category"), CATEGORY),
        Dimension("country", f"{company}__country", _("Country"), CATEGORY),
        Dimension("territory", f"{company}__territory", _("Territory"), FK),
        Dimension("account_owner", f"{company}__owner", _("Account owner"), FK, USER_LABEL),
        Dimension("rfm_segment", f"{company}__customer_class__segment", _("RFM segment"), CHOICE),
        Dimension("customer_value", f"{company}__customer_class__value_class", _("Customer value"), CHOICE),
    )


def _owner_dims(prefix: str = "") -> tuple[Dimension, ...]:
    return (
        Dimension("owner", f"{prefix}owner", _("Owner"), FK, USER_LABEL),
        Dimension("team", f"{prefix}team", _("Team"), FK),
        Dimension("territory", f"{prefix}territory", _("Territory"), FK),
    )


def _url(name: str) -> Callable[[Any], str]:
    return lambda obj: reverse(name, args=[obj.pk])


def _register() -> None:
    # Each app's own selector decides what the user sees; imported here, not at the top, so that
    # loading the registry does not load every app's selectors (and their imports) early.
    from accord.activities.selectors import visible_interactions, visible_tasks
    from accord.billing.selectors.invoices import visible_invoices
    from accord.billing.selectors.orders import visible_orders
    from accord.billing.selectors.payments import visible_payments
    from accord.people.selectors import visible_companies, visible_contacts
    from accord.sales.selectors.deals import visible_deals

    created = Dimension("created", "created_at", _("Created"), DATE)
    REGISTRY.add(
        Entity(
            key="contacts",
            label=_("Contacts"),
            model="people.Contact",
            visible=visible_contacts,
            detail=_url("people:contact-detail"),
            related=("owner",),
            count_label=_("Contacts"),
            dimensions=(
                *_owner_dims(),
                Dimension("source", "source", _("Source"), CHOICE),
                Dimension("preferred_channel", "preferred_channel", _("Preferred channel"), CHOICE),
                Dimension("preferred_language", "preferred_language", _("Language"), CHOICE),
                created,
                Dimension("last_interaction", "last_interaction_at", _("Last interaction"), DATE),
            ),
        )
    )
    REGISTRY.add(
        Entity(
            key="companies",
            label=_("Companies"),
            model="people.Company",
            visible=visible_companies,
            detail=_url("people:company-detail"),
            related=("owner",),
            count_label=_("Companies"),
            dimensions=(
                *_owner_dims(),
                Dimension("industry", "industry", _("Industry"), CATEGORY),
                Dimension("size", "size", _("Size"), CHOICE),
                Dimension("country", "country", _("Country"), CATEGORY),
                created,
                Dimension("last_interaction", "last_interaction_at", _("Last interaction"), DATE),
            ),
        )
    )
    REGISTRY.add(
        Entity(
            key="deals",
            label=_("Deals"),
            model="sales.Deal",
            visible=visible_deals,
            detail=_url("sales:deal-detail"),
            related=("owner", "stage", "company"),
            count_label=_("Deals"),
            dimensions=(
                *_owner_dims(),
                Dimension("pipeline", "pipeline", _("Pipeline"), FK),
                Dimension("stage", "stage", _("Stage"), FK),
                Dimension("status", "status", _("Status"), CHOICE),
                Dimension("source", "source", _("Source"), CHOICE),
                Dimension("company", "company", _("Company"), FK),
                Dimension("lost_reason", "lost_reason", _("Lost reason"), FK),
                Dimension("currency", "currency", _("Currency"), CATEGORY),
                Dimension("expected_close", "expected_close", _("Expected close"), DATE),
                created,
                Dimension("closed", "closed_at", _("Closed"), DATE),
            ),
            numbers=(
                Number("amount", "amount", _("Amount"), currency="currency"),
                Number("probability", "probability", _("Probability")),
            ),
        )
    )
    REGISTRY.add(
        Entity(
            key="interactions",
            label=_("Interactions"),
            model="activities.Interaction",
            visible=visible_interactions,
            detail=_url("activities:interaction-edit"),
            related=("author", "contact", "company"),
            count_label=_("Interactions"),
            dimensions=(
                Dimension("channel", "channel", _("Channel"), CHOICE),
                Dimension("direction", "direction", _("Direction"), CHOICE),
                Dimension("outcome", "outcome", _("Outcome"), CHOICE),
                Dimension("author", "author", _("Author"), FK, USER_LABEL),
                Dimension("company", "company", _("Company"), FK),
                Dimension("occurred", "occurred_at", _("Occurred"), DATE),
            ),
            numbers=(Number("duration", "duration_seconds", _("Duration (seconds)")),),
        )
    )
    REGISTRY.add(
        Entity(
            key="tasks",
            label=_("Tasks"),
            model="activities.Task",
            visible=visible_tasks,
            detail=_url("activities:task-edit"),
            related=("owner",),
            count_label=_("Tasks"),
            dimensions=(
                *_owner_dims(),
                Dimension("status", "status", _("Status"), CHOICE),
                Dimension("priority", "priority", _("Priority"), CHOICE),
                Dimension("company", "company", _("Company"), FK),
                Dimension("due", "due_at", _("Due"), DATE),
                Dimension("completed", "completed_at", _("Completed"), DATE),
                created,
            ),
        )
    )
    REGISTRY.add(
        Entity(
            key="orders",
            label=_("Orders"),
            model="billing.Order",
            visible=visible_orders,
            detail=_url("billing:order-detail"),
            related=("company",),
            amounts_only=True,
            count_label=_("Orders"),
            dimensions=(
                Dimension("status", "status", _("Status"), CHOICE),
                Dimension("company", "company", _("Company"), FK),
                Dimension("currency", "currency", _("Currency"), CATEGORY),
                Dimension("created_by", "created_by", _("Created by"), FK, USER_LABEL),
                created,
            ),
            numbers=(
                Number("net_total", "net_total", _("Net total"), currency="currency"),
                Number("vat_total", "vat_total", _("VAT total"), currency="currency"),
                Number("gross_total", "gross_total", _("Gross total"), currency="currency"),
            ),
        )
    )
    line_numbers = (
        Number("quantity", "quantity", _("Quantity")),
        Number("net", "net", _("Net"), currency="{doc}__currency"),
        Number("vat", "vat", _("VAT"), currency="{doc}__currency"),
        Number("gross", "gross", _("Gross"), currency="{doc}__currency"),
    )
    REGISTRY.add(
        Entity(
            key="order_lines",
            label=_("Order lines"),
            model="billing.OrderLine",
            visible=lambda user: apps.get_model("billing.OrderLine").objects.filter(
                order__in=visible_orders(user).values("pk")
            ),
            detail=lambda line: reverse("billing:order-detail", args=[line.order_id]),
            related=("order", "product"),
            amounts_only=True,
            count_label=_("Lines"),
            dimensions=(
                Dimension("product", "product", _("Product"), FK),
                Dimension("vat_rate", "vat_rate", _("VAT rate"), CATEGORY),
                Dimension("status", "order__status", _("Order status"), CHOICE),
                Dimension("company", "order__company", _("Company"), FK),
                Dimension("currency", "order__currency", _("Currency"), CATEGORY),
                Dimension("ordered", "order__created_at", _("Ordered"), DATE),
                *_customer_dims("order"),
            ),
            numbers=tuple(Number(n.key, n.path, n.label, n.currency.format(doc="order")) for n in line_numbers),
        )
    )
    REGISTRY.add(
        Entity(
            key="invoice_lines",
            label=_("Invoice lines"),
            model="billing.InvoiceLine",
            visible=lambda user: apps.get_model("billing.InvoiceLine").objects.filter(
                invoice__in=visible_invoices(user).values("pk")
            ),
            detail=lambda line: reverse("billing:invoice-detail", args=[line.invoice_id]),
            related=("invoice", "product"),
            amounts_only=True,
            count_label=_("Lines"),
            dimensions=(
                Dimension("product", "product", _("Product"), FK),
                Dimension("vat_rate", "vat_rate", _("VAT rate"), CATEGORY),
                Dimension("kind", "invoice__kind", _("Invoice kind"), CHOICE),
                Dimension("status", "invoice__status", _("Invoice status"), CHOICE),
                Dimension("company", "invoice__company", _("Company"), FK),
                Dimension("currency", "invoice__currency", _("Currency"), CATEGORY),
                Dimension("issued", "invoice__issue_date", _("Issued"), DATE),
                *_customer_dims("invoice"),
            ),
            numbers=tuple(Number(n.key, n.path, n.label, n.currency.format(doc="invoice")) for n in line_numbers),
        )
    )
    REGISTRY.add(
        Entity(
            key="payments",
            label=_("Payments"),
            model="billing.Payment",
            visible=visible_payments,
            detail=_url("billing:payment-detail"),
            related=("company",),
            amounts_only=True,
            count_label=_("Payments"),
            dimensions=(
                Dimension("method", "method", _("Method"), CHOICE),
                Dimension("source", "source", _("Source"), CHOICE),
                Dimension("company", "company", _("Company"), FK),
                Dimension("currency", "currency", _("Currency"), CATEGORY),
                Dimension("received", "received_on", _("Received"), DATE),
            ),
            numbers=(
                Number("amount", "amount", _("Amount"), currency="currency"),
                Number("allocated", "allocated_amount", _("Allocated"), currency="currency"),
            ),
        )
    )
    REGISTRY.add(
        Entity(
            key="tickets",
            label=_("Tickets"),
            model="service.Ticket",
            visible=visible_tickets,
            detail=_url("service:ticket-detail"),
            related=("queue", "assignee"),
            count_label=_("Tickets"),
            dimensions=(
                Dimension("status", "status", _("Status"), CHOICE),
                Dimension("priority", "priority", _("Priority"), CHOICE),
                Dimension("channel", "channel", _("Channel"), CHOICE),
                Dimension("queue", "queue", _("Queue"), FK),
                Dimension("assignee", "assignee", _("Assignee"), FK, USER_LABEL),
                Dimension("company", "company", _("Company"), FK),
                Dimension("complaint", "is_complaint", _("Complaint"), BOOLEAN),
                Dimension("response_breached", "first_response_breached", _("First response late"), BOOLEAN),
                Dimension("resolution_breached", "resolution_breached", _("Resolution late"), BOOLEAN),
                created,
                Dimension("resolved", "resolved_at", _("Resolved"), DATE),
            ),
        )
    )


_register()
