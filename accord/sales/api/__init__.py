"""REST endpoints for leads, deals, pipelines and products."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from accord.core import access, idempotency
from accord.core import selectors as core_selectors
from accord.core.api import (
    ERRORS,
    PageOut,
    StrictSchema,
    UserRef,
    amounts_hidden,
    expected_version,
    list_parameters,
    list_query,
)
from accord.core.requests import AuthedRequest
from accord.identity.selectors import find_territory, find_user
from accord.people.models import Company, Contact
from accord.sales import selectors
from accord.sales.models import Deal, Lead
from accord.sales.selectors import products as product_selectors
from accord.sales.selectors import settings as settings_selectors
from accord.sales.services import deals as deal_services
from accord.sales.services import leads as lead_services
from accord.sales.services import products as product_services
from accord.sales.services.lines import totals as line_totals

router = Router(tags=["sales"])


# --- schemas ------------------------------------------------------------------------------------------


class LeadIn(StrictSchema):
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    job_title: str = ""
    email: str = ""
    phone: str = ""
    source: str = "other"
    message: str = ""
    external_id: str | None = None
    owner_id: uuid.UUID | None = None


class LeadPatch(StrictSchema):
    version: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    job_title: str | None = None
    email: str | None = None
    phone: str | None = None
    source: str | None = None
    status: str | None = None
    message: str | None = None
    owner_id: uuid.UUID | None = None


class LeadOut(Schema):
    id: uuid.UUID
    version: int
    first_name: str
    last_name: str
    company_name: str
    job_title: str
    email: str
    phone: str
    source: str
    status: str
    score: int
    message: str
    consent_text: str
    consent_given_at: datetime.datetime | None
    owner: UserRef
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    converted_at: datetime.datetime | None
    created_at: datetime.datetime


class ConvertIn(StrictSchema):
    create_deal: bool = True
    deal_name: str = ""
    amount: decimal.Decimal | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None


class ConvertOut(Schema):
    lead_id: uuid.UUID
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    matched_contact: bool
    matched_company: bool


class LineSchema(StrictSchema):
    product_id: uuid.UUID | None = None
    description: str = ""
    quantity: decimal.Decimal = decimal.Decimal(1)
    unit: str = ""
    unit_price: decimal.Decimal | None = None
    discount_percent: decimal.Decimal = decimal.Decimal(0)
    vat_rate: decimal.Decimal | None = None


class LineOut(Schema):
    """A deal's product line; its prices are null for a user who may not see amounts."""

    product_id: uuid.UUID | None
    description: str
    quantity: decimal.Decimal
    unit: str
    unit_price: decimal.Decimal | None
    discount_percent: decimal.Decimal
    vat_rate: decimal.Decimal
    net: decimal.Decimal | None
    gross: decimal.Decimal | None

    @staticmethod
    def resolve_unit_price(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.unit_price

    @staticmethod
    def resolve_net(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.net

    @staticmethod
    def resolve_gross(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.gross


AMOUNT_SOURCE_DOC = (
    "Where the amount comes from. `manual`: the amount as given, kept whatever product lines are "
    "added or changed. `lines`: the net total of the product lines, recomputed whenever they change "
    "(an `amount` given with it must equal that total). Left out, giving an amount makes it `manual` "
    "(zero means no amount, which follows the lines); a new deal without an amount follows its lines."
)
AmountSourceField = Literal["manual", "lines"]


class DealContactIn(StrictSchema):
    contact_id: uuid.UUID
    role: str = ""


class DealIn(StrictSchema):
    name: str
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    amount: decimal.Decimal = decimal.Decimal(0)
    amount_source: AmountSourceField | None = Field(None, description=AMOUNT_SOURCE_DOC)
    currency: str = ""
    expected_close: datetime.date | None = None
    company_id: uuid.UUID | None = None
    contacts: list[DealContactIn] = []
    next_step: str = ""
    description: str = ""
    owner_id: uuid.UUID | None = None
    territory_id: uuid.UUID | None = Field(None, description="Left out on a new deal: the company's territory.")
    external_id: str | None = None
    lines: list[LineSchema] | None = None


class DealPatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    amount: decimal.Decimal | None = None
    amount_source: AmountSourceField | None = Field(None, description=AMOUNT_SOURCE_DOC)
    currency: str | None = None
    expected_close: datetime.date | None = None
    company_id: uuid.UUID | None = None
    contacts: list[DealContactIn] | None = None
    next_step: str | None = None
    description: str | None = None
    owner_id: uuid.UUID | None = None
    territory_id: uuid.UUID | None = None
    lines: list[LineSchema] | None = None


class MoveIn(StrictSchema):
    stage_id: uuid.UUID
    version: int | None = None
    after_id: uuid.UUID | None = None
    before_id: uuid.UUID | None = None
    lost_reason_id: uuid.UUID | None = None
    lost_note: str = ""


AMOUNT_HIDDEN_DOC = " Null for a user whose role may not see amounts."


class DealOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID
    stage: str
    status: str
    amount: decimal.Decimal | None = Field(description="The deal's amount." + AMOUNT_HIDDEN_DOC)
    amount_source: AmountSourceField = Field(description=AMOUNT_SOURCE_DOC)
    lines_total: decimal.Decimal | None = Field(description="The net total of the product lines." + AMOUNT_HIDDEN_DOC)
    currency: str
    probability: int
    weighted_amount: decimal.Decimal | None = Field(description="Amount × probability." + AMOUNT_HIDDEN_DOC)
    expected_close: datetime.date | None
    company_id: uuid.UUID | None
    contact_ids: list[uuid.UUID]
    next_step: str
    description: str
    owner: UserRef
    team_id: uuid.UUID | None
    territory_id: uuid.UUID | None
    closed_at: datetime.datetime | None
    lost_reason: str | None
    lines: list[LineOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_stage(obj: Any) -> str:
        return str(obj.stage)

    @staticmethod
    def resolve_contact_ids(obj: Any) -> list[Any]:
        return [link.contact_id for link in obj.contact_links.all()]

    @staticmethod
    def resolve_lost_reason(obj: Any) -> str | None:
        return str(obj.lost_reason) if obj.lost_reason_id else None

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_amount(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.amount

    @staticmethod
    def resolve_weighted_amount(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.weighted_amount

    @staticmethod
    def resolve_lines_total(obj: Any, context: Any) -> decimal.Decimal | None:
        if amounts_hidden(context):
            return None
        return line_totals(list(obj.lines.all())).net.quantize(decimal.Decimal("0.01"))


class StageOut(Schema):
    id: uuid.UUID
    name: str
    position: int
    probability: int
    kind: str


class PipelineOut(Schema):
    id: uuid.UUID
    name: str
    is_default: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.all())


class PriceSchema(StrictSchema):
    currency: str
    price: decimal.Decimal


class ProductIn(StrictSchema):
    sku: str
    name: str
    description: str = ""
    unit: str = "pcs"
    unit_cost: decimal.Decimal | None = None
    cost_currency: str = ""
    vat_rate: decimal.Decimal = decimal.Decimal(23)
    category: str = ""
    active: bool = True
    prices: list[PriceSchema] = []


class ProductPatch(StrictSchema):
    version: int | None = None
    sku: str | None = None
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    unit_cost: decimal.Decimal | None = None
    cost_currency: str | None = None
    vat_rate: decimal.Decimal | None = None
    category: str | None = None
    active: bool | None = None
    prices: list[PriceSchema] | None = None


class ProductOut(Schema):
    id: uuid.UUID
    version: int
    sku: str
    name: str
    description: str
    unit: str
    unit_cost: decimal.Decimal | None
    cost_currency: str
    vat_rate: decimal.Decimal
    category: str
    active: bool
    prices: list[PriceSchema]

    @staticmethod
    def resolve_prices(obj: Any) -> list[dict[str, Any]]:
        return [{"currency": p.currency, "price": p.price} for p in obj.prices.all()]


# --- helpers ----------------------------------------------------------------------------------------


def _visible(request: HttpRequest, model: type[Any], pk: Any, field: str, errors: dict[str, list[str]]) -> Any:
    if pk is None:
        return None
    obj = core_selectors.find_visible(request.user, model, pk)
    if obj is None:
        errors[field] = [_("No such record.")]
    return obj


def _owner(request: HttpRequest, pk: Any, errors: dict[str, list[str]]) -> Any:
    """The active user ``pk`` names when the caller may give records to them; otherwise the one
    answer for them and for a user that does not exist."""
    if pk is None:
        return None
    user = find_user(pk, active=True)
    if user is None or not access.can_assign_to(request.user, user):
        errors["owner_id"] = [access.owner_refused()]
        return None
    return user


def _etag(response: HttpResponse, obj: Any) -> None:
    response["ETag"] = f'"{obj.version}"'


# --- leads ------------------------------------------------------------------------------------------


def _lead_data(request: HttpRequest, payload: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    given = payload.model_dump(exclude_unset=True)
    data = {k: v for k, v in given.items() if k not in {"owner_id", "version"}}
    if given.get("owner_id"):
        data["owner"] = _owner(request, given["owner_id"], errors)
    return data


@router.get(
    "/leads",
    response={200: PageOut[LeadOut], **ERRORS},
    openapi_extra=list_parameters(selectors.LEAD_LIST),
    tags=["leads"],
)
def list_leads(request: HttpRequest) -> Any:
    query = list_query(request, selectors.LEAD_LIST)
    page = selectors.lead_page(request.user, query)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.post("/leads", response={201: LeadOut, **ERRORS}, tags=["leads"])
def create_lead(request: AuthedRequest, payload: LeadIn) -> Any:
    def run() -> Lead:
        errors: dict[str, list[str]] = {}
        data = _lead_data(request, payload, errors)
        if errors:
            raise ValidationError(errors)
        return lead_services.create_lead(actor=request.user, data=data)

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda lead: LeadOut.from_orm(selectors.lead_detail(request.user, lead.pk)).model_dump(mode="json"),
    )


@router.get("/leads/{uuid:lead_id}", response={200: LeadOut, **ERRORS}, tags=["leads"])
def get_lead(request: HttpRequest, lead_id: uuid.UUID, response: HttpResponse) -> Any:
    lead = selectors.lead_detail(request.user, lead_id)
    _etag(response, lead)
    return lead


@router.patch("/leads/{uuid:lead_id}", response={200: LeadOut, **ERRORS}, tags=["leads"])
def update_lead(request: AuthedRequest, lead_id: uuid.UUID, payload: LeadPatch, response: HttpResponse) -> Any:
    lead = selectors.lead_detail(request.user, lead_id)
    errors: dict[str, list[str]] = {}
    data = _lead_data(request, payload, errors)
    if errors:
        raise ValidationError(errors)
    lead_services.update_lead(
        actor=request.user, lead=lead, data=data, expected_version=expected_version(request, payload.version)
    )
    lead = selectors.lead_detail(request.user, lead_id)
    _etag(response, lead)
    return lead


@router.delete("/leads/{uuid:lead_id}", response={204: None, **ERRORS}, tags=["leads"])
def delete_lead(request: AuthedRequest, lead_id: uuid.UUID) -> Any:
    lead_services.delete_lead(actor=request.user, lead=selectors.lead_detail(request.user, lead_id))
    return Status(204, None)


@router.post("/leads/{uuid:lead_id}/convert", response={200: ConvertOut, **ERRORS}, tags=["leads"])
def convert_lead(request: AuthedRequest, lead_id: uuid.UUID, payload: ConvertIn) -> Any:
    lead = selectors.lead_detail(request.user, lead_id)
    errors: dict[str, list[str]] = {}
    contact = _visible(request, Contact, payload.contact_id, "contact_id", errors)
    company = _visible(request, Company, payload.company_id, "company_id", errors)
    if errors:
        raise ValidationError(errors)
    result = lead_services.convert_lead(
        actor=request.user,
        lead=lead,
        create_deal=payload.create_deal,
        deal_name=payload.deal_name,
        amount=payload.amount,
        contact=contact,
        company=company,
    )
    return {
        "lead_id": result.lead.pk,
        "contact_id": result.contact.pk if result.contact else None,
        "company_id": result.company.pk if result.company else None,
        "deal_id": result.deal.pk if result.deal else None,
        "matched_contact": result.matched_contact,
        "matched_company": result.matched_company,
    }


# --- deals ------------------------------------------------------------------------------------------


def _deal_data(request: HttpRequest, payload: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    given = payload.model_dump(exclude_unset=True)
    data = {k: v for k, v in given.items() if k in deal_services.DEAL_FIELDS or k == "amount_source"}
    if "company_id" in given:
        data["company"] = _visible(request, Company, given["company_id"], "company_id", errors)
    if given.get("owner_id"):
        data["owner"] = _owner(request, given["owner_id"], errors)
    if "territory_id" in given:
        data["territory"] = None
        if given["territory_id"] is not None:
            data["territory"] = find_territory(given["territory_id"])
            if data["territory"] is None:
                errors["territory_id"] = [_("No such record.")]
    if "contacts" in given and given["contacts"] is not None:
        people = []
        for i, item in enumerate(given["contacts"]):
            contact = _visible(request, Contact, item["contact_id"], f"contacts.{i}.contact_id", errors)
            if contact is not None:
                people.append({"contact": contact, "role": item.get("role", "")})
        data["contacts"] = people
    if "lines" in given and given["lines"] is not None:
        lines = []
        for i, item in enumerate(given["lines"]):
            product = None
            if item.get("product_id"):
                product = product_selectors.find_product(item["product_id"])
                if product is None:
                    errors[f"lines.{i}.product_id"] = [_("No such product.")]
            lines.append({**{k: v for k, v in item.items() if k != "product_id"}, "product": product})
        data["lines"] = lines
    return data


@router.get(
    "/deals",
    response={200: PageOut[DealOut], **ERRORS},
    openapi_extra=list_parameters(selectors.DEAL_LIST),
    tags=["deals"],
)
def list_deals(request: HttpRequest) -> Any:
    query = list_query(request, selectors.DEAL_LIST)
    page = selectors.deal_page(request.user, query)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.post("/deals", response={201: DealOut, **ERRORS}, tags=["deals"])
def create_deal(request: AuthedRequest, payload: DealIn) -> Any:
    def run() -> Deal:
        errors: dict[str, list[str]] = {}
        data = _deal_data(request, payload, errors)
        pipeline = settings_selectors.find_pipeline(payload.pipeline_id)
        stage = settings_selectors.find_stage(payload.stage_id)
        if payload.pipeline_id and pipeline is None:
            errors["pipeline_id"] = [_("No such pipeline.")]
        if payload.stage_id and stage is None:
            errors["stage_id"] = [_("No such stage.")]
        if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
            errors["stage_id"] = [_("That stage belongs to another pipeline.")]
        if errors:
            raise ValidationError(errors)
        return deal_services.create_deal(actor=request.user, data=data, pipeline=pipeline, stage=stage)

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda deal: DealOut.from_orm(
            selectors.deal_detail(request.user, deal.pk), context={"request": request}
        ).model_dump(mode="json"),
    )


@router.get("/deals/{uuid:deal_id}", response={200: DealOut, **ERRORS}, tags=["deals"])
def get_deal(request: HttpRequest, deal_id: uuid.UUID, response: HttpResponse) -> Any:
    deal = selectors.deal_detail(request.user, deal_id)
    _etag(response, deal)
    return deal


@router.patch("/deals/{uuid:deal_id}", response={200: DealOut, **ERRORS}, tags=["deals"])
def update_deal(request: AuthedRequest, deal_id: uuid.UUID, payload: DealPatch, response: HttpResponse) -> Any:
    deal = selectors.deal_detail(request.user, deal_id)
    errors: dict[str, list[str]] = {}
    data = _deal_data(request, payload, errors)
    if errors:
        raise ValidationError(errors)
    deal_services.update_deal(
        actor=request.user, deal=deal, data=data, expected_version=expected_version(request, payload.version)
    )
    deal = selectors.deal_detail(request.user, deal_id)
    _etag(response, deal)
    return deal


@router.post("/deals/{uuid:deal_id}/move", response={200: DealOut, **ERRORS}, tags=["deals"])
def move_deal(request: AuthedRequest, deal_id: uuid.UUID, payload: MoveIn) -> Any:
    """Move a deal to a stage (and between two cards of its column). Lost needs a reason."""
    deal = selectors.deal_detail(request.user, deal_id)
    errors: dict[str, list[str]] = {}
    stage = settings_selectors.find_stage(payload.stage_id)
    if stage is None:
        errors["stage_id"] = [_("No such stage.")]
    reason = None
    if payload.lost_reason_id:
        reason = settings_selectors.find_lost_reason(payload.lost_reason_id)
        if reason is None:
            errors["lost_reason_id"] = [_("No such reason.")]
    neighbours = {}
    for name in ("after_id", "before_id"):
        pk = getattr(payload, name)
        if pk:
            neighbours[name[:-3]] = _visible(request, Deal, pk, name, errors)
    if errors:
        raise ValidationError(errors)
    assert stage is not None
    deal_services.move_deal(
        actor=request.user,
        deal=deal,
        stage=stage,
        lost_reason=reason,
        lost_note=payload.lost_note,
        expected_version=expected_version(request, payload.version),
        **neighbours,
    )
    return selectors.deal_detail(request.user, deal_id)


@router.delete("/deals/{uuid:deal_id}", response={204: None, **ERRORS}, tags=["deals"])
def delete_deal(request: AuthedRequest, deal_id: uuid.UUID) -> Any:
    deal = selectors.deal_detail(request.user, deal_id)
    deal_services.delete_deal(actor=request.user, deal=deal, expected_version=expected_version(request))
    return Status(204, None)


# --- pipelines and products ---------------------------------------------------------------------------


@router.get("/pipelines", response=list[PipelineOut], tags=["deals"])
def list_pipelines(request: HttpRequest) -> Any:
    return list(settings_selectors.pipelines(active=True, with_stages=True))


@router.get(
    "/products",
    response={200: PageOut[ProductOut], **ERRORS},
    openapi_extra=list_parameters(selectors.PRODUCT_LIST),
    tags=["products"],
)
def list_products(request: HttpRequest) -> Any:
    query = list_query(request, selectors.PRODUCT_LIST)
    page = selectors.product_page(query)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.post("/products", response={201: ProductOut, **ERRORS}, tags=["products"])
def create_product(request: AuthedRequest, payload: ProductIn) -> Any:
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: product_services.create_product(actor=request.user, data=payload.model_dump()),
        serialize=lambda product: ProductOut.from_orm(product).model_dump(mode="json"),
    )


@router.get("/products/{uuid:product_id}", response={200: ProductOut, **ERRORS}, tags=["products"])
def get_product(request: HttpRequest, product_id: uuid.UUID) -> Any:
    return product_selectors.product_detail(request.user, product_id)


@router.patch("/products/{uuid:product_id}", response={200: ProductOut, **ERRORS}, tags=["products"])
def update_product(request: AuthedRequest, product_id: uuid.UUID, payload: ProductPatch) -> Any:
    product = product_selectors.product_detail(request.user, product_id)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    product_services.update_product(
        actor=request.user, product=product, data=data, expected_version=expected_version(request, payload.version)
    )
    return product_selectors.product_detail(request.user, product_id)
