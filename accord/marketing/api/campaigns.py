"""REST endpoints of campaigns: CRUD (versioned, 409 on a stale version), a preview as a chosen
recipient, a test send, the recipient count before launching, launch, cancel and results.

What the API refuses it refuses as the editor does: 422 naming the field (``versions.pl.blocks.2.url``)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from accord.core import access, idempotency
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.requests import AuthedRequest
from accord.marketing.selectors import campaigns as selectors
from accord.marketing.selectors.segments import visible_contacts
from accord.marketing.services import campaigns as services
from accord.people.models import Contact

router = Router(tags=["campaigns"])


class CampaignOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    channel: str
    purpose: str
    segment_id: uuid.UUID | None
    versions: dict[str, Any]
    status: str
    scheduled_at: datetime.datetime | None
    throttle_per_hour: int
    ab_share: int
    ab_wait_hours: int
    ab_metric: str
    ab_winner: str
    track_opens: bool
    track_clicks: bool
    cost: Decimal
    custom_fields: list[str]
    launched_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    owner_id: uuid.UUID
    team_id: uuid.UUID | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CampaignIn(StrictSchema):
    name: str
    channel: Literal["email", "sms"] = "email"
    purpose: Literal["newsletter", "offers"] = "newsletter"
    segment: uuid.UUID | None = None
    versions: dict[str, Any] = {}
    scheduled_at: datetime.datetime | None = None
    throttle_per_hour: int = 0
    ab_share: int = 0
    ab_wait_hours: int = 4
    ab_metric: Literal["opens", "clicks"] = "opens"
    track_opens: bool = True
    track_clicks: bool = True
    cost: Decimal = Decimal("0")
    custom_fields: list[str] = []


class CampaignPatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    channel: Literal["email", "sms"] | None = None
    purpose: Literal["newsletter", "offers"] | None = None
    segment: uuid.UUID | None = None
    versions: dict[str, Any] | None = None
    scheduled_at: datetime.datetime | None = None
    throttle_per_hour: int | None = None
    ab_share: int | None = None
    ab_wait_hours: int | None = None
    ab_metric: Literal["opens", "clicks"] | None = None
    track_opens: bool | None = None
    track_clicks: bool | None = None
    cost: Decimal | None = None
    custom_fields: list[str] | None = None


class VersionIn(StrictSchema):
    version: int | None = None


class PreviewIn(StrictSchema):
    contact_id: uuid.UUID | None = None
    language: str = ""


class PreviewOut(Schema):
    language: str
    subject: str
    text: str
    html: str
    to: str


class TestSendIn(StrictSchema):
    to: str
    contact_id: uuid.UUID | None = None
    language: str = ""
    variant: Literal["a", "b"] = "a"


class TestSendOut(Schema):
    message_id: uuid.UUID


class CampaignCountOut(Schema):
    members: int
    reachable: int


class CountsOut(Schema):
    recipients: int
    skipped: int
    queued: int
    sent: int
    delivered: int
    bounced: int
    opened: int
    clicked: int
    opens: int
    clicks: int
    unsubscribed: int


class ResultsOut(Schema):
    total: CountsOut
    variants: dict[str, CountsOut]
    skipped: dict[str, int]
    leads: int
    deals_won: int
    deal_value: Decimal | None
    revenue: Decimal | None
    cost: Decimal | None
    roi: float | None
    ab_winner: str
    attribution_until: datetime.datetime | None


def _data(payload: Any) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "segment" in data:
        data["segment"] = str(data["segment"]) if data["segment"] else None
    return data


def _contact(request: HttpRequest, pk: uuid.UUID | None) -> Contact | None:
    if pk is None:
        return None
    return access.get_visible(request.user, visible_contacts(request.user), pk=pk)


@router.get(
    "/campaigns", response={200: PageOut[CampaignOut], **ERRORS}, openapi_extra=list_parameters(selectors.CAMPAIGN_LIST)
)
def list_campaigns(request: HttpRequest) -> Any:
    page = selectors.campaign_page(request.user, list_query(request, selectors.CAMPAIGN_LIST))
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/campaigns/{uuid:campaign_id}", response={200: CampaignOut, **ERRORS})
def get_campaign(request: HttpRequest, campaign_id: uuid.UUID, response: HttpResponse) -> Any:
    campaign = selectors.campaign_detail(request.user, campaign_id)
    response["ETag"] = f'"{campaign.version}"'
    return campaign


@router.post("/campaigns", response={201: CampaignOut, **ERRORS})
def create_campaign(request: AuthedRequest, payload: CampaignIn) -> Any:
    data = _data(payload)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.create_campaign(actor=request.user, data=data),
        serialize=lambda c: CampaignOut.from_orm(c).model_dump(mode="json"),
    )


@router.patch("/campaigns/{uuid:campaign_id}", response={200: CampaignOut, **ERRORS})
def update_campaign(
    request: AuthedRequest, campaign_id: uuid.UUID, payload: CampaignPatch, response: HttpResponse
) -> Any:
    campaign = selectors.campaign_detail(request.user, campaign_id)
    campaign = services.update_campaign(
        actor=request.user,
        campaign=campaign,
        data=_data(payload),
        expected_version=expected_version(request, payload.version),
    )
    response["ETag"] = f'"{campaign.version}"'
    return campaign


@router.delete("/campaigns/{uuid:campaign_id}", response={204: None, **ERRORS})
def delete_campaign(request: AuthedRequest, campaign_id: uuid.UUID) -> Any:
    campaign = selectors.campaign_detail(request.user, campaign_id)
    services.delete_campaign(actor=request.user, campaign=campaign, expected_version=expected_version(request))
    return Status(204, None)


@router.post("/campaigns/{uuid:campaign_id}/preview", response={200: PreviewOut, **ERRORS})
def preview(request: AuthedRequest, campaign_id: uuid.UUID, payload: PreviewIn) -> Any:
    """The campaign as the chosen contact (or sample values) would get it."""
    campaign = selectors.campaign_detail(request.user, campaign_id)
    return services.preview(
        actor=request.user, campaign=campaign, contact=_contact(request, payload.contact_id), language=payload.language
    )


@router.post("/campaigns/{uuid:campaign_id}/test-send", response={202: TestSendOut, **ERRORS})
def test_send(request: AuthedRequest, campaign_id: uuid.UUID, payload: TestSendIn) -> Any:
    campaign = selectors.campaign_detail(request.user, campaign_id)
    message = services.send_test(
        actor=request.user,
        campaign=campaign,
        to=payload.to,
        contact=_contact(request, payload.contact_id),
        language=payload.language,
        variant=payload.variant,
    )
    return Status(202, {"message_id": message.pk})


@router.get("/campaigns/{uuid:campaign_id}/recipient-count", response={200: CampaignCountOut, **ERRORS})
def recipient_count(request: AuthedRequest, campaign_id: uuid.UUID) -> Any:
    """How many the segment holds now and how many of them may be sent to."""
    campaign = selectors.campaign_detail(request.user, campaign_id)
    return services.recipient_count(actor=request.user, campaign=campaign)


@router.post("/campaigns/{uuid:campaign_id}/launch", response={200: CampaignOut, **ERRORS})
def launch(request: AuthedRequest, campaign_id: uuid.UUID, payload: VersionIn, response: HttpResponse) -> Any:
    campaign = selectors.campaign_detail(request.user, campaign_id)
    campaign = services.launch(
        actor=request.user, campaign=campaign, expected_version=expected_version(request, payload.version)
    )
    response["ETag"] = f'"{campaign.version}"'
    return campaign


@router.post("/campaigns/{uuid:campaign_id}/cancel", response={200: CampaignOut, **ERRORS})
def cancel(request: AuthedRequest, campaign_id: uuid.UUID, payload: VersionIn, response: HttpResponse) -> Any:
    campaign = selectors.campaign_detail(request.user, campaign_id)
    campaign = services.cancel(
        actor=request.user, campaign=campaign, expected_version=expected_version(request, payload.version)
    )
    response["ETag"] = f'"{campaign.version}"'
    return campaign


@router.get("/campaigns/{uuid:campaign_id}/results", response={200: ResultsOut, **ERRORS})
def campaign_results(request: HttpRequest, campaign_id: uuid.UUID) -> Any:
    """Counts per variant and in all; revenue, deal value, cost and ROI only for those who may
    see them (null otherwise)."""
    campaign = selectors.campaign_detail(request.user, campaign_id)
    found = selectors.results(user=request.user, campaign=campaign)
    shows = found.shows_revenue
    return {
        "total": found.total,
        "variants": found.variants,
        "skipped": found.skipped,
        "leads": found.leads,
        "deals_won": found.deals_won,
        "deal_value": found.deal_value if shows else None,
        "revenue": found.revenue if shows else None,
        "cost": found.cost if shows else None,
        "roi": found.roi if shows else None,
        "ab_winner": campaign.ab_winner,
        "attribution_until": found.window_end,
    }
