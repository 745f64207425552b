"""Reads of campaigns and their results, scoped by the access policy.

Results count the campaign's recipient rows and their messages:

- sent: the message left (sent, delivered or bounced later); delivered: sent and not bounced;
  bounced: the message bounced (messaging reports bounces on the message itself);
- opened / clicked: recipients with a first open / click (a click counts as an open: images are
  often blocked); ``opens`` and ``clicks`` count every one, prefetching bots included;
- unsubscribed: recipients who withdrew consent through this campaign's unsubscribe link (the
  link carries the campaign as its ``ref``, which the consent history keeps in its source).

Attribution: within ``ATTRIBUTION_DAYS`` days of the campaign's launch (until 30 days after it
finished sending), what its recipients who were sent a message did: leads made for them, deals
they are a contact of that were won, and payments they made (the revenue). A recipient who is
in two campaigns counts for both; the window is the campaign's, not each message's, which costs
one range query instead of one per recipient. ROI is (revenue - cost) / cost.

Deals' amounts and revenue are shown only to those who may export or administer (the roles have
no separate "sees deal amounts" right): ``can_see_revenue``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncHour

from accord.core import access
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label
from accord.marketing.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    ConsentAction,
    ConsentEvent,
    ConsentMethod,
    RecipientState,
    SkipReason,
    Variant,
)

ATTRIBUTION_DAYS = 30
SENT_STATES = ("sent", "delivered", "bounced")


def visible_campaigns(user: Any) -> QuerySet[Campaign]:
    return access.scope(user, Campaign.objects.all()).select_related("owner", "segment")


def campaign_detail(user: Any, pk: Any) -> Campaign:
    """A campaign ``user`` may see, or Http404."""
    return access.get_visible(user, Campaign.objects.select_related("owner", "team", "segment"), pk=pk)


CAMPAIGN_LIST = ListSpec[Campaign](
    entity=entity_label(Campaign),
    filters=[
        Filter("status", "status", kind="choice", choices=CampaignStatus.values),
        Filter("owner", "owner_id", kind="uuid"),
        Filter("sent_after", "finished_at", kind="datetime", lookup="gte"),
    ],
    sorts=[Sort("created", "created_at", kind="datetime"), Sort("name", "name")],
    default_sort="-created",
)


def sent_after(raw: str) -> Any:
    """The list's ``sent_after`` read as its filter reads it; None when absent or not a date."""
    if not raw.strip():
        return None
    found = next(f for f in CAMPAIGN_LIST.filters if f.name == "sent_after")
    try:
        return found.convert(raw)
    except ValidationError:
        return None


def campaign_page(user: Any, query: ListQuery) -> Page[Campaign]:
    return paginate(CAMPAIGN_LIST, query, apply(CAMPAIGN_LIST, query, visible_campaigns(user), user=user))


def can_see_revenue(user: Any) -> bool:
    """Revenue, deal value, cost and ROI are amounts: shown to roles that see amounts."""
    return access.sees_amounts(user)


@dataclass
class Counts:
    recipients: int = 0
    skipped: int = 0
    queued: int = 0
    sent: int = 0
    delivered: int = 0
    bounced: int = 0
    opened: int = 0
    clicked: int = 0
    opens: int = 0
    clicks: int = 0
    unsubscribed: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rate(self, name: str) -> float:
        """``name`` per message delivered (0 when none was)."""
        return round(100 * getattr(self, name) / self.delivered, 1) if self.delivered else 0.0

    @property
    def open_rate(self) -> float:
        return self.rate("opened")

    @property
    def click_rate(self) -> float:
        return self.rate("clicked")


@dataclass
class Results:
    total: Counts
    variants: dict[str, Counts]
    skipped: dict[str, int]
    leads: int = 0
    deals_won: int = 0
    deal_value: Decimal = Decimal("0.00")
    revenue: Decimal = Decimal("0.00")
    cost: Decimal = Decimal("0.00")
    shows_revenue: bool = False
    window_end: datetime.datetime | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)

    @property
    def roi(self) -> float | None:
        """(revenue - cost) / cost, in per cent; None without a cost."""
        if not self.cost:
            return None
        return round(float((self.revenue - self.cost) / self.cost) * 100, 1)


def _unsubscribed(campaign: Campaign) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(
        action=ConsentAction.WITHDRAWN,
        method=ConsentMethod.UNSUBSCRIBE,
        channel=campaign.channel,
        purpose=campaign.purpose,
        source__endswith=f"(campaign:{campaign.pk})",
    )


def results(*, user: Any, campaign: Campaign) -> Results:
    """The campaign's counts, per variant and in all, and what is attributed to it."""
    recipients = CampaignRecipient.objects.filter(campaign=campaign)
    unsubscribed_contacts = _unsubscribed(campaign).values("contact_id")
    rows = recipients.values("variant").annotate(
        recipients=Count("id"),
        skipped=Count("id", filter=Q(state=RecipientState.SKIPPED)),
        queued=Count("id", filter=Q(state=RecipientState.QUEUED)),
        sent=Count("id", filter=Q(message__state__in=SENT_STATES)),
        bounced=Count("id", filter=Q(message__state="bounced")),
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
        opens=Sum("open_count"),
        clicks=Sum("click_count"),
        unsubscribed=Count("id", filter=Q(contact_id__in=unsubscribed_contacts)),
    )
    variants: dict[str, Counts] = {}
    total = Counts()
    for row in rows.order_by("variant"):
        values: dict[str, Any] = dict(row)
        counts = Counts(**{k: int(values[k] or 0) for k in Counts.__dataclass_fields__ if k != "delivered"})
        counts.delivered = counts.sent - counts.bounced
        variants[row["variant"]] = counts
        total.add(counts)
    skipped = dict(
        recipients.filter(state=RecipientState.SKIPPED).values_list("reason").annotate(n=Count("id")).order_by()
    )
    found = Results(
        total=total,
        variants={v: variants[v] for v in (Variant.A, Variant.B, Variant.REST) if v in variants},
        skipped={reason: int(skipped.get(reason, 0)) for reason in SkipReason.values},
        cost=campaign.cost,
        shows_revenue=can_see_revenue(user),
    )
    if campaign.launched_at is not None:
        _attribute(campaign, found)
    found.timeline = _timeline(campaign)
    return found


def _attribute(campaign: Campaign, found: Results) -> None:
    from accord.billing.models import Payment
    from accord.sales.models import Deal, DealContact, Lead

    assert campaign.launched_at is not None
    start = campaign.launched_at
    end = (campaign.finished_at or start) + datetime.timedelta(days=ATTRIBUTION_DAYS)
    found.window_end = end
    reached = CampaignRecipient.objects.filter(campaign=campaign, message__state__in=SENT_STATES).values("contact_id")
    found.leads = Lead.objects.filter(contact_id__in=reached, created_at__gte=start, created_at__lt=end).count()
    won = Deal.objects.filter(
        status="won",
        closed_at__gte=start,
        closed_at__lt=end,
        pk__in=DealContact.objects.filter(contact_id__in=reached).values("deal_id"),
    )
    won_totals = won.aggregate(n=Count("id"), value=Sum("amount"))
    found.deals_won = int(won_totals["n"] or 0)
    paid = Payment.objects.filter(
        contact_id__in=reached, received_on__gte=start.date(), received_on__lt=end.date()
    ).aggregate(total=Sum("amount"))
    if found.shows_revenue:
        found.deal_value = won_totals["value"] or Decimal("0.00")
        found.revenue = paid["total"] or Decimal("0.00")
    else:
        found.cost = Decimal("0.00")  # ROI needs the revenue, which is not theirs to see


def _timeline(campaign: Campaign) -> list[dict[str, Any]]:
    """First opens and first clicks per hour (for the chart)."""
    recipients = CampaignRecipient.objects.filter(campaign=campaign)
    hours: dict[datetime.datetime, dict[str, Any]] = {}
    for name, column in (("opened", "opened_at"), ("clicked", "clicked_at")):
        counted = (
            recipients.filter(**{f"{column}__isnull": False})
            .annotate(hour=TruncHour(column))
            .values("hour")
            .annotate(n=Count("id"))
            .order_by("hour")
        )
        for row in counted:
            hours.setdefault(row["hour"], {"hour": row["hour"], "opened": 0, "clicked": 0})[name] = row["n"]
    return [hours[h] for h in sorted(hours)][: 24 * 14]


def may_cancel(campaign: Campaign) -> bool:
    """Whether cancelling still changes something: it has not gone out, or some of its
    messages (a throttled campaign's) still wait in the outbox."""
    if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING):
        return True
    if campaign.status != CampaignStatus.SENT:
        return False
    from accord.messaging.models import Message

    queued = CampaignRecipient.objects.filter(campaign=campaign, message__isnull=False).values("message_id")
    return Message.objects.filter(pk__in=queued, state="queued").exists()


def recipients_of(campaign: Campaign) -> QuerySet[CampaignRecipient]:
    return CampaignRecipient.objects.filter(campaign=campaign).select_related("contact", "message")
