"""REST endpoints for sales settings: pipelines and their stages, lost reasons, lead scoring rules,
web-to-lead forms, automation rules, and price lists with their prices.

Everyone signed in may read pipelines, lost reasons and price lists (reps need them to work); the
rest is read by administrators only. Writes are for administrators (price lists: also managers),
honour ``version`` / ``If-Match`` (409 when stale) and, on POST, ``Idempotency-Key``.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accord.core import access, idempotency
from accord.core import selectors as core_selectors
from accord.core.access import AccessDenied
from accord.core.api import ERRORS, StrictSchema, UserRef, expected_version
from accord.core.requests import AuthedRequest
from accord.identity.selectors import find_user
from accord.sales.api import router as sales_router
from accord.sales.models import (
    AutomationRule,
    Pipeline,
    PriceList,
    Stage,
)
from accord.sales.selectors import products as product_selectors
from accord.sales.selectors import settings as settings_selectors
from accord.sales.services import admin_settings as services
from accord.sales.services import pipelines as pipeline_services
from accord.sales.services import products as product_services

router = Router(tags=["sales-settings"])


def _require_admin(request: HttpRequest) -> None:
    if not access.is_admin(request.user):
        raise AccessDenied()


def _etag(response: HttpResponse, obj: Any) -> None:
    response["ETag"] = f'"{obj.version}"'


def _create(request: HttpRequest, payload: Any, run: Any, out: type[Schema], reload: Any = None) -> Any:
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda obj: out.from_orm(reload(obj) if reload else obj).model_dump(mode="json"),
    )


def _given(payload: Any) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True, exclude={"version"})


# --- pipelines and stages ---------------------------------------------------------------------------


class StageDetailOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    position: int
    probability: int
    kind: str


class PipelineDetailOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    position: int
    is_default: bool
    active: bool
    stages: list[StageDetailOut]

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.order_by("position"))


class StageIn(StrictSchema):
    name: str
    probability: int = 0
    kind: str = "open"


class StagePatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    probability: int | None = None
    kind: str | None = None


class PipelineIn(StrictSchema):
    name: str
    is_default: bool = False
    stages: list[StageIn] | None = None


class PipelinePatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    is_default: bool | None = None
    active: bool | None = None
    position: int | None = None


class StageOrderIn(StrictSchema):
    version: int | None = None
    order: list[uuid.UUID]


def _pipeline(pk: Any) -> Pipeline:
    return settings_selectors.pipeline_or_404(pk, with_stages=True)


def create_pipeline(request: AuthedRequest, payload: PipelineIn) -> Any:
    def run() -> Pipeline:
        if payload.stages is None:
            return pipeline_services.create_pipeline(
                actor=request.user, name=payload.name, is_default=payload.is_default
            )
        return pipeline_services.save_pipeline(
            actor=request.user,
            pipeline=None,
            name=payload.name,
            stages=[s.model_dump() for s in payload.stages],
            is_default=payload.is_default,
        )

    return _create(request, payload, run, PipelineDetailOut, lambda p: _pipeline(p.pk))


# GET /pipelines lives on the sales router; Django resolves a path to one router's view, so POST
# to the same path has to join that router rather than this one.
sales_router.add_api_operation(
    "/pipelines",
    ["POST"],
    create_pipeline,
    response={201: PipelineDetailOut, **ERRORS},
    tags=["deals"],
    summary="Create Pipeline",
)


@router.get("/pipelines/{uuid:pipeline_id}", response={200: PipelineDetailOut, **ERRORS}, tags=["deals"])
def get_pipeline(request: HttpRequest, pipeline_id: uuid.UUID, response: HttpResponse) -> Any:
    pipeline = settings_selectors.pipeline_or_404(pipeline_id)
    _etag(response, pipeline)
    return pipeline


@router.patch("/pipelines/{uuid:pipeline_id}", response={200: PipelineDetailOut, **ERRORS}, tags=["deals"])
def update_pipeline(
    request: AuthedRequest, pipeline_id: uuid.UUID, payload: PipelinePatch, response: HttpResponse
) -> Any:
    pipeline = settings_selectors.pipeline_or_404(pipeline_id)
    pipeline_services.update_pipeline(
        actor=request.user,
        pipeline=pipeline,
        data=_given(payload),
        expected_version=expected_version(request, payload.version),
    )
    pipeline = _pipeline(pipeline_id)
    _etag(response, pipeline)
    return pipeline


@router.post("/pipelines/{uuid:pipeline_id}/stages", response={201: StageDetailOut, **ERRORS}, tags=["deals"])
def add_stage(request: AuthedRequest, pipeline_id: uuid.UUID, payload: StageIn) -> Any:
    pipeline = settings_selectors.pipeline_or_404(pipeline_id)
    return _create(
        request,
        payload,
        lambda: pipeline_services.add_stage(actor=request.user, pipeline=pipeline, data=payload.model_dump()),
        StageDetailOut,
    )


@router.post("/pipelines/{uuid:pipeline_id}/stages/order", response={200: PipelineDetailOut, **ERRORS}, tags=["deals"])
def reorder_stages(request: AuthedRequest, pipeline_id: uuid.UUID, payload: StageOrderIn) -> Any:
    """Put the stages in this order: every stage id of the pipeline, once."""
    pipeline = settings_selectors.pipeline_or_404(pipeline_id)
    pipeline_services.reorder_stages(
        actor=request.user,
        pipeline=pipeline,
        order=payload.order,
        expected_version=expected_version(request, payload.version),
    )
    return _pipeline(pipeline_id)


def _stage(pipeline_id: uuid.UUID, stage_id: uuid.UUID) -> Stage:
    return settings_selectors.stage_or_404(stage_id, pipeline=pipeline_id)


@router.patch(
    "/pipelines/{uuid:pipeline_id}/stages/{uuid:stage_id}", response={200: StageDetailOut, **ERRORS}, tags=["deals"]
)
def update_stage(
    request: AuthedRequest, pipeline_id: uuid.UUID, stage_id: uuid.UUID, payload: StagePatch, response: HttpResponse
) -> Any:
    stage = pipeline_services.update_stage(
        actor=request.user,
        stage=_stage(pipeline_id, stage_id),
        data=_given(payload),
        expected_version=expected_version(request, payload.version),
    )
    _etag(response, stage)
    return stage


@router.delete("/pipelines/{uuid:pipeline_id}/stages/{uuid:stage_id}", response={204: None, **ERRORS}, tags=["deals"])
def delete_stage(request: AuthedRequest, pipeline_id: uuid.UUID, stage_id: uuid.UUID) -> Any:
    pipeline_services.delete_stage(
        actor=request.user, stage=_stage(pipeline_id, stage_id), expected_version=expected_version(request)
    )
    return Status(204, None)


# --- lost reasons -----------------------------------------------------------------------------------


class LostReasonOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    position: int
    active: bool


class LostReasonIn(StrictSchema):
    name: str
    position: int | None = None
    active: bool = True


class LostReasonPatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    position: int | None = None
    active: bool | None = None


@router.get("/lost-reasons", response={200: list[LostReasonOut], **ERRORS})
def list_lost_reasons(request: HttpRequest, active: bool | None = None) -> Any:
    return list(settings_selectors.lost_reasons(active=active))


@router.post("/lost-reasons", response={201: LostReasonOut, **ERRORS})
def create_lost_reason(request: AuthedRequest, payload: LostReasonIn) -> Any:
    data = payload.model_dump(exclude_none=True)
    return _create(
        request,
        payload,
        lambda: services.save_lost_reason(actor=request.user, reason=None, data=data),
        LostReasonOut,
    )


@router.get("/lost-reasons/{uuid:reason_id}", response={200: LostReasonOut, **ERRORS})
def get_lost_reason(request: HttpRequest, reason_id: uuid.UUID, response: HttpResponse) -> Any:
    reason = settings_selectors.lost_reason_or_404(reason_id)
    _etag(response, reason)
    return reason


@router.patch("/lost-reasons/{uuid:reason_id}", response={200: LostReasonOut, **ERRORS})
def update_lost_reason(
    request: AuthedRequest, reason_id: uuid.UUID, payload: LostReasonPatch, response: HttpResponse
) -> Any:
    reason = services.save_lost_reason(
        actor=request.user,
        reason=settings_selectors.lost_reason_or_404(reason_id),
        data=_given(payload),
        expected_version=expected_version(request, payload.version),
    )
    _etag(response, reason)
    return reason


@router.delete("/lost-reasons/{uuid:reason_id}", response={204: None, **ERRORS})
def delete_lost_reason(request: AuthedRequest, reason_id: uuid.UUID) -> Any:
    services.delete_lost_reason(
        actor=request.user,
        reason=settings_selectors.lost_reason_or_404(reason_id),
        expected_version=expected_version(request),
    )
    return Status(204, None)


# --- lead scoring -----------------------------------------------------------------------------------


class ScoringRuleOut(Schema):
    id: uuid.UUID
    version: int
    field: str
    value: str
    points: int
    active: bool


class ScoringRuleIn(StrictSchema):
    field: str
    value: str = ""
    points: int
    active: bool = True


class ScoringRulePatch(StrictSchema):
    version: int | None = None
    field: str | None = None
    value: str | None = None
    points: int | None = None
    active: bool | None = None


class ScorePreviewIn(StrictSchema):
    source: str = ""
    email: str = ""
    job_title: str = ""
    company_name: str = ""
    phone: str = ""
    message: str = ""


class ScorePreviewOut(Schema):
    score: int
    rule_ids: list[uuid.UUID]


@router.get("/scoring-rules", response={200: list[ScoringRuleOut], **ERRORS}, tags=["leads"])
def list_scoring_rules(request: HttpRequest) -> Any:
    _require_admin(request)
    return list(settings_selectors.scoring_rules())


@router.post("/scoring-rules", response={201: ScoringRuleOut, **ERRORS}, tags=["leads"])
def create_scoring_rule(request: AuthedRequest, payload: ScoringRuleIn) -> Any:
    return _create(
        request,
        payload,
        lambda: services.save_scoring_rule(actor=request.user, rule=None, data=payload.model_dump()),
        ScoringRuleOut,
    )


@router.post("/scoring-rules/preview", response={200: ScorePreviewOut, **ERRORS}, tags=["leads"])
def preview_score(request: HttpRequest, payload: ScorePreviewIn) -> Any:
    """What a lead with these details would score under the active rules; nothing is saved."""
    _require_admin(request)
    total, hits = services.preview_score(payload.model_dump())
    return {"score": total, "rule_ids": [rule.pk for rule, hit in hits if hit]}


@router.get("/scoring-rules/{uuid:rule_id}", response={200: ScoringRuleOut, **ERRORS}, tags=["leads"])
def get_scoring_rule(request: HttpRequest, rule_id: uuid.UUID, response: HttpResponse) -> Any:
    _require_admin(request)
    rule = settings_selectors.scoring_rule_or_404(rule_id)
    _etag(response, rule)
    return rule


@router.patch("/scoring-rules/{uuid:rule_id}", response={200: ScoringRuleOut, **ERRORS}, tags=["leads"])
def update_scoring_rule(
    request: AuthedRequest, rule_id: uuid.UUID, payload: ScoringRulePatch, response: HttpResponse
) -> Any:
    _require_admin(request)
    rule = services.save_scoring_rule(
        actor=request.user,
        rule=settings_selectors.scoring_rule_or_404(rule_id),
        data=_given(payload),
        expected_version=expected_version(request, payload.version),
    )
    _etag(response, rule)
    return rule


@router.delete("/scoring-rules/{uuid:rule_id}", response={204: None, **ERRORS}, tags=["leads"])
def delete_scoring_rule(request: AuthedRequest, rule_id: uuid.UUID) -> Any:
    _require_admin(request)
    rule = settings_selectors.scoring_rule_or_404(rule_id)
    services.delete_scoring_rule(actor=request.user, rule=rule, expected_version=expected_version(request))
    return Status(204, None)


# --- web forms --------------------------------------------------------------------------------------


class WebFormOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    key: str
    url: str
    source: str
    fields: list[str]
    consent_text: str
    success_message: str
    redirect_url: str
    allowed_origin: str
    owner: UserRef
    active: bool
    hourly_limit: int

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse("sales:webform-submit", args=[obj.key])

    @staticmethod
    def resolve_fields(obj: Any) -> list[str]:
        return services.shown_fields(obj)


class WebFormIn(StrictSchema):
    name: str
    fields: list[str] | None = None
    source: str = "website"
    consent_text: str = ""
    success_message: str = ""
    redirect_url: str = ""
    allowed_origin: str = ""
    owner_id: uuid.UUID | None = None
    active: bool = True
    hourly_limit: int = 10


class WebFormPatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    fields: list[str] | None = None
    source: str | None = None
    consent_text: str | None = None
    success_message: str | None = None
    redirect_url: str | None = None
    allowed_origin: str | None = None
    owner_id: uuid.UUID | None = None
    active: bool | None = None
    hourly_limit: int | None = None


def _web_form_data(payload: Any, *, creating: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=not creating, exclude={"version", "owner_id"})
    if creating and data.get("fields") is None:
        data.pop("fields", None)
    for name in ("consent_text", "success_message", "redirect_url", "allowed_origin"):
        if name in data and data[name] is None:
            data[name] = ""  # null clears an optional text, as it does on contacts
    if payload.owner_id is not None:
        owner = find_user(payload.owner_id, active=True)
        if owner is None:
            raise ValidationError({"owner_id": [_("No such user.")]})
        data["owner"] = owner
    return data


@router.get("/web-forms", response={200: list[WebFormOut], **ERRORS}, tags=["leads"])
def list_web_forms(request: HttpRequest) -> Any:
    _require_admin(request)
    return list(settings_selectors.web_forms())


@router.post("/web-forms", response={201: WebFormOut, **ERRORS}, tags=["leads"])
def create_web_form(request: AuthedRequest, payload: WebFormIn) -> Any:
    return _create(
        request,
        payload,
        lambda: services.save_web_form(actor=request.user, form=None, data=_web_form_data(payload, creating=True)),
        WebFormOut,
    )


@router.get("/web-forms/{uuid:form_id}", response={200: WebFormOut, **ERRORS}, tags=["leads"])
def get_web_form(request: HttpRequest, form_id: uuid.UUID, response: HttpResponse) -> Any:
    _require_admin(request)
    form = settings_selectors.web_form_or_404(form_id)
    _etag(response, form)
    return form


@router.patch("/web-forms/{uuid:form_id}", response={200: WebFormOut, **ERRORS}, tags=["leads"])
def update_web_form(request: AuthedRequest, form_id: uuid.UUID, payload: WebFormPatch, response: HttpResponse) -> Any:
    _require_admin(request)
    form = services.save_web_form(
        actor=request.user,
        form=settings_selectors.web_form_or_404(form_id),
        data=_web_form_data(payload, creating=False),
        expected_version=expected_version(request, payload.version),
    )
    _etag(response, form)
    return form


@router.delete("/web-forms/{uuid:form_id}", response={204: None, **ERRORS}, tags=["leads"])
def delete_web_form(request: AuthedRequest, form_id: uuid.UUID) -> Any:
    _require_admin(request)
    services.delete_web_form(
        actor=request.user, form=settings_selectors.web_form_or_404(form_id), expected_version=expected_version(request)
    )
    return Status(204, None)


# --- automation rules -------------------------------------------------------------------------------


class AutomationRuleOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    trigger: str
    pipeline_id: uuid.UUID | None
    stage_id: uuid.UUID | None
    idle_days: int | None
    action: str
    task_title: str
    due_in_days: int
    active: bool


class AutomationRuleIn(StrictSchema):
    name: str
    trigger: str
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    idle_days: int | None = None
    action: str
    task_title: str
    due_in_days: int = 1
    active: bool = True


class AutomationRulePatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    trigger: str | None = None
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    idle_days: int | None = None
    action: str | None = None
    task_title: str | None = None
    due_in_days: int | None = None
    active: bool | None = None


def _rule_data(payload: Any, *, creating: bool) -> dict[str, Any]:
    given = payload.model_dump(exclude_unset=not creating, exclude={"version"})
    data = {k: v for k, v in given.items() if k not in {"pipeline_id", "stage_id"}}
    errors: dict[str, list[str]] = {}
    if "pipeline_id" in given:
        data["pipeline"] = settings_selectors.find_pipeline(given["pipeline_id"])
        if given["pipeline_id"] and data["pipeline"] is None:
            errors["pipeline_id"] = [_("No such pipeline.")]
    if "stage_id" in given:
        data["stage"] = settings_selectors.find_stage(given["stage_id"])
        if given["stage_id"] and data["stage"] is None:
            errors["stage_id"] = [_("No such stage.")]
    if errors:
        raise ValidationError(errors)
    return data


def _rule_errors(exc: ValidationError) -> ValidationError:
    """The service names the model's fields; the API's are ``pipeline_id`` and ``stage_id``."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {
        ("stage_id" if k == "stage" else "pipeline_id" if k == "pipeline" else k): v
        for k, v in exc.message_dict.items()
    }
    return ValidationError(renamed)


@router.get("/automation-rules", response={200: list[AutomationRuleOut], **ERRORS}, tags=["deals"])
def list_automation_rules(request: HttpRequest) -> Any:
    _require_admin(request)
    return list(settings_selectors.automation_rules())


@router.post("/automation-rules", response={201: AutomationRuleOut, **ERRORS}, tags=["deals"])
def create_automation_rule(request: AuthedRequest, payload: AutomationRuleIn) -> Any:
    def run() -> AutomationRule:
        try:
            return services.save_automation_rule(actor=request.user, rule=None, data=_rule_data(payload, creating=True))
        except ValidationError as exc:
            raise _rule_errors(exc) from exc

    return _create(request, payload, run, AutomationRuleOut)


@router.get("/automation-rules/{uuid:rule_id}", response={200: AutomationRuleOut, **ERRORS}, tags=["deals"])
def get_automation_rule(request: HttpRequest, rule_id: uuid.UUID, response: HttpResponse) -> Any:
    _require_admin(request)
    rule = settings_selectors.automation_rule_or_404(rule_id)
    _etag(response, rule)
    return rule


@router.patch("/automation-rules/{uuid:rule_id}", response={200: AutomationRuleOut, **ERRORS}, tags=["deals"])
def update_automation_rule(
    request: AuthedRequest, rule_id: uuid.UUID, payload: AutomationRulePatch, response: HttpResponse
) -> Any:
    _require_admin(request)
    try:
        rule = services.save_automation_rule(
            actor=request.user,
            rule=settings_selectors.automation_rule_or_404(rule_id),
            data=_rule_data(payload, creating=False),
            expected_version=expected_version(request, payload.version),
        )
    except ValidationError as exc:
        raise _rule_errors(exc) from exc
    _etag(response, rule)
    return rule


@router.delete("/automation-rules/{uuid:rule_id}", response={204: None, **ERRORS}, tags=["deals"])
def delete_automation_rule(request: AuthedRequest, rule_id: uuid.UUID) -> Any:
    _require_admin(request)
    services.delete_automation_rule(
        actor=request.user,
        rule=settings_selectors.automation_rule_or_404(rule_id),
        expected_version=expected_version(request),
    )
    return Status(204, None)


# --- price lists ------------------------------------------------------------------------------------


class PriceListItemOut(Schema):
    product_id: uuid.UUID
    sku: str
    price: decimal.Decimal

    @staticmethod
    def resolve_sku(obj: Any) -> str:
        return obj.product.sku


class PriceListOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    currency: str
    tag_id: uuid.UUID
    tag: str
    priority: int
    active: bool
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    items: list[PriceListItemOut]

    @staticmethod
    def resolve_tag(obj: Any) -> str:
        return obj.tag.name

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        # From the prefetched rows, so a page of lists costs the same few queries as one.
        return sorted(obj.items.all(), key=lambda item: item.product.sku)


class PriceListIn(StrictSchema):
    name: str
    currency: str
    tag_id: uuid.UUID
    priority: int = 0
    active: bool = True
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None


class PriceListPatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    currency: str | None = None
    tag_id: uuid.UUID | None = None
    priority: int | None = None
    active: bool | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None


class PriceIn(StrictSchema):
    price: decimal.Decimal
    version: int | None = None


def _price_list_data(payload: Any, *, creating: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=not creating, exclude={"version", "tag_id"})
    if payload.tag_id is not None:
        tag = core_selectors.find_tag(payload.tag_id)
        if tag is None:
            raise ValidationError({"tag_id": [_("No such tag.")]})
        data["tag"] = tag
    if "priority" in data and data["priority"] is not None and not 0 <= data["priority"] <= 32767:
        raise ValidationError({"priority": [_("Enter a number from 0 to 32767.")]})
    return data


def _price_list(request: HttpRequest, pk: Any) -> PriceList:
    return product_selectors.price_list_detail(request.user, pk, with_items=True)


@router.get("/price-lists", response={200: list[PriceListOut], **ERRORS}, tags=["products"])
def list_price_lists(request: HttpRequest) -> Any:
    lists = product_selectors.price_lists(request.user)
    return list(lists.prefetch_related("items__product"))


@router.post("/price-lists", response={201: PriceListOut, **ERRORS}, tags=["products"])
def create_price_list(request: AuthedRequest, payload: PriceListIn) -> Any:
    def run() -> PriceList:
        if not product_services.can_change_catalogue(request.user):
            raise AccessDenied()
        return product_services.save_price_list(
            actor=request.user, price_list=None, data=_price_list_data(payload, creating=True)
        )

    return _create(request, payload, run, PriceListOut)


@router.get("/price-lists/{uuid:list_id}", response={200: PriceListOut, **ERRORS}, tags=["products"])
def get_price_list(request: HttpRequest, list_id: uuid.UUID, response: HttpResponse) -> Any:
    price_list = _price_list(request, list_id)
    _etag(response, price_list)
    return price_list


@router.patch("/price-lists/{uuid:list_id}", response={200: PriceListOut, **ERRORS}, tags=["products"])
def update_price_list(
    request: AuthedRequest, list_id: uuid.UUID, payload: PriceListPatch, response: HttpResponse
) -> Any:
    price_list = _price_list(request, list_id)
    if not product_services.can_change_catalogue(request.user):
        raise AccessDenied()
    product_services.save_price_list(
        actor=request.user,
        price_list=price_list,
        data=_price_list_data(payload, creating=False),
        expected_version=expected_version(request, payload.version),
    )
    price_list = _price_list(request, list_id)
    _etag(response, price_list)
    return price_list


@router.delete("/price-lists/{uuid:list_id}", response={204: None, **ERRORS}, tags=["products"])
def delete_price_list(request: AuthedRequest, list_id: uuid.UUID) -> Any:
    product_services.delete_price_list(
        actor=request.user, price_list=_price_list(request, list_id), expected_version=expected_version(request)
    )
    return Status(204, None)


@router.put(
    "/price-lists/{uuid:list_id}/items/{uuid:product_id}",
    response={200: PriceListItemOut, **ERRORS},
    tags=["products"],
)
def set_price_list_item(request: AuthedRequest, list_id: uuid.UUID, product_id: uuid.UUID, payload: PriceIn) -> Any:
    """Give a product its price on this list (adding it or changing it); PUT is idempotent by nature."""
    price_list = _price_list(request, list_id)
    product = product_selectors.product_detail(request.user, product_id)
    product_services.set_price_list_item(
        actor=request.user,
        price_list=price_list,
        product=product,
        price=payload.price,
        expected_version=expected_version(request, payload.version),
    )
    return product_selectors.price_list_item(price_list, product)


@router.delete("/price-lists/{uuid:list_id}/items/{uuid:product_id}", response={204: None, **ERRORS}, tags=["products"])
def remove_price_list_item(request: AuthedRequest, list_id: uuid.UUID, product_id: uuid.UUID) -> Any:
    price_list = _price_list(request, list_id)
    product = product_selectors.product_detail(request.user, product_id)
    if not product_services.can_change_catalogue(request.user):
        raise AccessDenied()
    if product_selectors.price_list_item(price_list, product) is None:
        raise Http404
    product_services.remove_price_list_item(
        actor=request.user, price_list=price_list, product=product, expected_version=expected_version(request)
    )
    return Status(204, None)
