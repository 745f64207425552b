"""The rule types Accord ships: the contact's own fields, its company, custom fields, tags,
interactions, deals and purchases.

Conditions on other tables are ``EXISTS`` subqueries correlated on the contact (PostgreSQL plans
them as semi- or anti-joins over the tables' contact and product indexes). Purchases are what was
sold to the contact: confirmed or fulfilled orders, and issued invoices made without an order (an
invoice of an order is the same sale again). Spending is what the contact was invoiced, in the base
currency, corrections included.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.activities.models import Interaction, InteractionChannel
from accord.billing.models import Invoice, InvoiceLine, OrderLine
from accord.billing.models.invoices import InvoiceKind, InvoiceStatus
from accord.billing.models.orders import OrderStatus
from accord.core import customfields
from accord.core.models import CustomFieldDefinition, CustomFieldType, Tag, as_uuid, entity_label
from accord.identity.models import Team, User
from accord.marketing.segmenting import (
    CATEGORY_ACTIVITY,
    CATEGORY_COMPANY,
    CATEGORY_CONTACT,
    CATEGORY_PURCHASES,
    CATEGORY_SALES,
    Param,
    RuleProblem,
    RuleType,
    register,
)
from accord.people.models import Address, Channel, CompanySize, Contact, ContactCompany, ContactTag, Language, Source
from accord.sales.models import DealContact, Pipeline, Product

SOLD_ORDERS = (OrderStatus.CONFIRMED, OrderStatus.FULFILLED)
ISSUED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
MONEY = DecimalField(max_digits=16, decimal_places=2)


def _since(now: datetime.datetime, days: int) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


def _days(label: Any = None, *, required: bool = True) -> Param:
    return Param("days", label or gettext_lazy("in the last … days"), "int", minimum=1, required=required)


def _exists_uuid(model: Any) -> Any:
    def valid(value: str) -> bool:
        key = as_uuid(value)
        return key is not None and model.objects.filter(pk=key).exists()

    return valid


def _exists_int(model: Any) -> Any:
    def valid(value: str) -> bool:
        return value.isdigit() and model.objects.filter(pk=int(value)).exists()

    return valid


# --- the contact ---------------------------------------------------------------------------------


def _name_q(p: dict[str, Any], now: datetime.datetime) -> Q:
    value, op = p["value"], p["op"]
    lookup = {"contains": "icontains", "is": "iexact", "starts_with": "istartswith"}[op]
    return Q(**{f"first_name__{lookup}": value}) | Q(**{f"last_name__{lookup}": value})


NAME_OPS = (
    ("contains", gettext_lazy("contains")),
    ("is", gettext_lazy("is")),
    ("starts_with", gettext_lazy("starts with")),
)


def _domain_check(p: dict[str, Any]) -> None:
    domain = p["domain"].lstrip("@").lower()
    if not domain or " " in domain or "@" in domain:
        raise RuleProblem("domain", _("Enter a domain such as example.com."))
    p["domain"] = domain


def _months() -> list[tuple[str, Any]]:
    from django.utils.dates import MONTHS

    return [(str(n), MONTHS[n]) for n in range(1, 13)]


def _users() -> list[tuple[str, Any]]:
    return [(str(u.pk), str(u)) for u in User.objects.filter(is_active=True).order_by("first_name", "username")]


def _teams() -> list[tuple[str, Any]]:
    return [(str(t.pk), t.name) for t in Team.objects.order_by("name")]


def _country_check(name: str) -> Any:
    def check(p: dict[str, Any]) -> None:
        code = p[name].upper()
        if len(code) != 2 or not code.isalpha():
            raise RuleProblem(name, _("Enter a two-letter country code such as PL."))
        p[name] = code

    return check


def _address_q(field: str) -> Any:
    def build(p: dict[str, Any], now: datetime.datetime) -> Q:
        lookup = "iexact" if field == "city" else "exact"
        return Q(Exists(Address.objects.filter(contact=OuterRef("pk"), **{f"{field}__{lookup}": p[field]})))

    return build


CREATED_OPS = (("in_last", gettext_lazy("in the last … days")), ("before", gettext_lazy("more than … days ago")))


def _created_q(p: dict[str, Any], now: datetime.datetime) -> Q:
    since = _since(now, p["days"])
    return Q(created_at__gte=since) if p["op"] == "in_last" else Q(created_at__lt=since)


def _choice_rule(key: str, label: Any, field: str, choices: Any) -> RuleType:
    return RuleType(
        key,
        label,
        CATEGORY_CONTACT,
        (Param("value", label, "choice", choices=lambda: list(choices.choices)),),
        lambda p, now: Q(**{field: p["value"]}),
    )


for rule in (
    RuleType(
        "name",
        gettext_lazy("Name"),
        CATEGORY_CONTACT,
        (
            Param("op", gettext_lazy("condition"), "choice", choices=lambda: NAME_OPS, default="contains"),
            Param("value", gettext_lazy("Name")),
        ),
        _name_q,
    ),
    RuleType(
        "email_domain",
        gettext_lazy("E-mail domain"),
        CATEGORY_CONTACT,
        (Param("domain", gettext_lazy("domain")),),
        lambda p, now: Q(primary_email__iendswith="@" + p["domain"]),
        check=_domain_check,
    ),
    _choice_rule("language", gettext_lazy("Preferred language"), "preferred_language", Language),
    _choice_rule("source", gettext_lazy("Source"), "source", Source),
    _choice_rule("preferred_channel", gettext_lazy("Preferred channel"), "preferred_channel", Channel),
    RuleType(
        "classification",
        gettext_lazy("Classification"),
        CATEGORY_CONTACT,
        (Param("value", gettext_lazy("Classification")),),
        lambda p, now: Q(classification__iexact=p["value"]),
    ),
    RuleType(
        "birthday_month",
        gettext_lazy("Birthday in month"),
        CATEGORY_CONTACT,
        (Param("month", gettext_lazy("month"), "choice", choices=_months),),
        lambda p, now: Q(birthday__month=int(p["month"])),
    ),
    RuleType(
        "city",
        gettext_lazy("City (an address)"),
        CATEGORY_CONTACT,
        (Param("city", gettext_lazy("city")),),
        _address_q("city"),
    ),
    RuleType(
        "country",
        gettext_lazy("Country (an address)"),
        CATEGORY_CONTACT,
        (Param("country", gettext_lazy("country")),),
        _address_q("country"),
        check=_country_check("country"),
    ),
    RuleType(
        "created",
        gettext_lazy("Created"),
        CATEGORY_CONTACT,
        (
            Param("op", gettext_lazy("when"), "choice", choices=lambda: CREATED_OPS, default="in_last"),
            Param("days", gettext_lazy("days"), "int", minimum=1),
        ),
        _created_q,
    ),
    RuleType(
        "owner",
        gettext_lazy("Owner"),
        CATEGORY_CONTACT,
        (Param("user", gettext_lazy("owner"), "choice", choices=_users, valid=_exists_uuid(User)),),
        lambda p, now: Q(owner_id=as_uuid(p["user"])),
    ),
    RuleType(
        "team",
        gettext_lazy("Team"),
        CATEGORY_CONTACT,
        (Param("team", gettext_lazy("team"), "choice", choices=_teams, valid=_exists_uuid(Team)),),
        lambda p, now: Q(team_id=as_uuid(p["team"])),
    ),
):
    register(rule)


# --- the contact's company -------------------------------------------------------------------------


def _company_q(lookup: str) -> Any:
    def build(p: dict[str, Any], now: datetime.datetime) -> Q:
        links = ContactCompany.objects.filter(contact=OuterRef("pk"), **{f"company__{lookup}": p["value"]})
        return Q(Exists(links))

    return build


for rule in (
    RuleType(
        "company_industry",
        gettext_lazy("Company industry"),
        CATEGORY_COMPANY,
        (Param("value", gettext_lazy("industry")),),
        _company_q("industry__iexact"),
    ),
    RuleType(
        "company_size",
        gettext_lazy("Company size"),
        CATEGORY_COMPANY,
        (Param("value", gettext_lazy("size"), "choice", choices=lambda: list(CompanySize.choices)),),
        _company_q("size"),
    ),
    RuleType(
        "company_country",
        gettext_lazy("Company country"),
        CATEGORY_COMPANY,
        (Param("value", gettext_lazy("country")),),
        _company_q("country"),
        check=_country_check("value"),
    ),
):
    register(rule)


# --- custom fields ---------------------------------------------------------------------------------

CUSTOM_OPS = (
    ("is", gettext_lazy("is")),
    ("set", gettext_lazy("is filled in")),
    ("not_set", gettext_lazy("is empty")),
    ("at_least", gettext_lazy("is at least")),
    ("at_most", gettext_lazy("is at most")),
)
COMPARABLE = (CustomFieldType.NUMBER, CustomFieldType.DATE)


def _contact_fields() -> list[tuple[str, Any]]:
    return [(d.key, d.label) for d in customfields.definitions(entity_label(Contact))]


def _definition(key: str) -> CustomFieldDefinition | None:
    return CustomFieldDefinition.objects.filter(entity=entity_label(Contact), key=key, active=True).first()


def _custom_check(p: dict[str, Any]) -> None:
    definition = _definition(p["field"])
    assert definition is not None  # the parameter's own check found it
    op, value = p["op"], p.get("value")
    if op in ("set", "not_set"):
        p.pop("value", None)
        return
    if value is None:
        raise RuleProblem("value", _("value: this is required."))
    if op in ("at_least", "at_most") and definition.field_type not in COMPARABLE:
        raise RuleProblem("op", _("Only numbers and dates can be compared."))
    try:
        customfields.coerce(definition, [value] if definition.field_type == CustomFieldType.MULTI_CHOICE else value)
    except ValidationError as exc:
        raise RuleProblem("value", _("value: %(why)s") % {"why": " ".join(exc.messages)}) from exc


def _custom_q(p: dict[str, Any], now: datetime.datetime) -> Q:
    key, op = p["field"], p["op"]
    if op == "set":
        return Q(**{"custom__has_key": key})
    if op == "not_set":
        return ~Q(**{"custom__has_key": key})
    definition = _definition(key)
    if definition is None:
        return Q(pk__in=[])  # the field was removed since: nobody has it
    if op == "is":
        return customfields.filter_q(definition, [p["value"]])
    value = customfields.coerce(definition, p["value"])
    return Q(**{f"custom__{key}__{'gte' if op == 'at_least' else 'lte'}": value})


register(
    RuleType(
        "custom_field",
        gettext_lazy("Custom field"),
        CATEGORY_CONTACT,
        (
            Param(
                "field",
                gettext_lazy("field"),
                "choice",
                choices=_contact_fields,
                valid=lambda key: _definition(key) is not None,
            ),
            Param("op", gettext_lazy("condition"), "choice", choices=lambda: CUSTOM_OPS, default="is"),
            Param("value", gettext_lazy("value"), required=False),
        ),
        _custom_q,
        check=_custom_check,
    )
)


# --- tags ------------------------------------------------------------------------------------------

TAG_OPS = (("has", gettext_lazy("has the tag")), ("has_not", gettext_lazy("does not have the tag")))


def _tags() -> list[tuple[str, Any]]:
    return [(str(t.pk), t.name) for t in Tag.objects.order_by("name")[:1000]]


def _tag_q(p: dict[str, Any], now: datetime.datetime) -> Q:
    tagged = Q(Exists(ContactTag.objects.filter(contact=OuterRef("pk"), tag_id=str(as_uuid(p["tag"])))))
    return tagged if p["op"] == "has" else ~tagged


register(
    RuleType(
        "tag",
        gettext_lazy("Tag"),
        CATEGORY_CONTACT,
        (
            Param("op", gettext_lazy("condition"), "choice", choices=lambda: TAG_OPS, default="has"),
            Param("tag", gettext_lazy("tag"), "choice", choices=_tags, valid=_exists_uuid(Tag)),
        ),
        _tag_q,
    )
)


# --- interactions ----------------------------------------------------------------------------------


def _quiet_q(p: dict[str, Any], now: datetime.datetime) -> Q:
    return Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=_since(now, p["days"]))


def _channel_q(p: dict[str, Any], now: datetime.datetime) -> Q:
    had = Interaction.objects.filter(
        contact=OuterRef("pk"), channel=p["channel"], occurred_at__gte=_since(now, p["days"]), occurred_at__lte=now
    )
    return Q(Exists(had))


register(
    RuleType(
        "no_interaction",
        gettext_lazy("No contact for"),
        CATEGORY_ACTIVITY,
        (Param("days", gettext_lazy("days"), "int", minimum=1, default=90),),
        _quiet_q,
        help=gettext_lazy("Nothing logged with the contact for this many days (or ever)."),
    )
)
register(
    RuleType(
        "interaction",
        gettext_lazy("Had an interaction"),
        CATEGORY_ACTIVITY,
        (
            Param("channel", gettext_lazy("channel"), "choice", choices=lambda: list(InteractionChannel.choices)),
            _days(),
        ),
        _channel_q,
    )
)


# --- deals -----------------------------------------------------------------------------------------


def _pipelines() -> list[tuple[str, Any]]:
    return [(str(p.pk), p.name) for p in Pipeline.objects.order_by("name")]


def _pipeline(required: bool) -> Param:
    return Param(
        "pipeline",
        gettext_lazy("pipeline"),
        "choice",
        choices=_pipelines,
        required=required,
        valid=_exists_uuid(Pipeline),
    )


def _deals_q(**lookups: Any) -> Q:
    return Q(Exists(DealContact.objects.filter(contact=OuterRef("pk"), **lookups)))


def _in_pipeline(p: dict[str, Any]) -> dict[str, Any]:
    return {"deal__pipeline_id": as_uuid(p["pipeline"])} if p.get("pipeline") else {}


DEAL_STATES = (
    ("any", gettext_lazy("any")),
    ("open", gettext_lazy("open")),
    ("won", gettext_lazy("won")),
    ("lost", gettext_lazy("lost")),
)

register(
    RuleType(
        "open_deal",
        gettext_lazy("Has an open deal"),
        CATEGORY_SALES,
        (_pipeline(False),),
        lambda p, now: _deals_q(deal__status="open", **_in_pipeline(p)),
    )
)
register(
    RuleType(
        "won_deal",
        gettext_lazy("Won a deal"),
        CATEGORY_SALES,
        (_days(), _pipeline(False)),
        lambda p, now: _deals_q(deal__status="won", deal__closed_at__gte=_since(now, p["days"]), **_in_pipeline(p)),
    )
)
register(
    RuleType(
        "deal_in_pipeline",
        gettext_lazy("Has a deal in pipeline"),
        CATEGORY_SALES,
        (
            _pipeline(True),
            Param("status", gettext_lazy("status"), "choice", choices=lambda: DEAL_STATES, default="any"),
        ),
        lambda p, now: _deals_q(**_in_pipeline(p), **({} if p["status"] == "any" else {"deal__status": p["status"]})),
    )
)


# --- purchases -------------------------------------------------------------------------------------


def _products() -> list[tuple[str, Any]]:
    return [(str(p.pk), p.name) for p in Product.objects.filter(active=True).order_by("name")[:1000]]


def bought_q(product: Any, since: datetime.datetime | None) -> Q:
    """Contacts sold ``product`` (since ``since``): on a confirmed or fulfilled order, or on an
    issued invoice made without an order."""
    orders = OrderLine.objects.filter(order__contact=OuterRef("pk"), product_id=product, order__status__in=SOLD_ORDERS)
    invoices = InvoiceLine.objects.filter(
        invoice__contact=OuterRef("pk"),
        product_id=product,
        invoice__status__in=ISSUED,
        invoice__kind=InvoiceKind.VAT,
        invoice__order__isnull=True,
    )
    if since is not None:
        orders = orders.filter(order__created_at__gte=since)
        invoices = invoices.filter(invoice__issue_date__gte=since.date())
    return Q(Exists(orders)) | Q(Exists(invoices))


def spent_q(amount: decimal.Decimal, since: datetime.datetime) -> Q:
    """Contacts invoiced more than ``amount`` (base currency, corrections included) since ``since``."""
    spenders = (
        Invoice.objects.filter(contact__isnull=False, status__in=ISSUED, issue_date__gte=since.date())
        .exclude(kind=InvoiceKind.PROFORMA)
        .order_by()
        .values("contact_id")
        .annotate(total=Sum(Coalesce("gross_total_base", "gross_total", output_field=MONEY)))
        .filter(total__gt=amount)
        .values("contact_id")
    )
    return Q(pk__in=spenders)


register(
    RuleType(
        "bought_product",
        gettext_lazy("Bought a product"),
        CATEGORY_PURCHASES,
        (Param("product", gettext_lazy("product"), "choice", choices=_products, valid=_exists_uuid(Product)), _days()),
        lambda p, now: bought_q(as_uuid(p["product"]), _since(now, p["days"])),
    )
)
register(
    RuleType(
        "never_bought",
        gettext_lazy("Never bought a product"),
        CATEGORY_PURCHASES,
        (Param("product", gettext_lazy("product"), "choice", choices=_products, valid=_exists_uuid(Product)),),
        lambda p, now: ~bought_q(as_uuid(p["product"]), None),
    )
)
register(
    RuleType(
        "spent_over",
        gettext_lazy("Spent more than"),
        CATEGORY_PURCHASES,
        (Param("amount", gettext_lazy("amount (base currency)"), "amount"), _days()),
        lambda p, now: spent_q(decimal.Decimal(p["amount"]), _since(now, p["days"])),
        amounts=True,
    )
)

__all__ = ["bought_q", "spent_q"]
