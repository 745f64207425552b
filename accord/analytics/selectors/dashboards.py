"""Dashboards per role: a few KPI tiles and one or two small charts for sales, collections,
service, marketing and management, every figure under the access policy.

Each tile and each chart row carries the URL of the list (or report) that shows exactly the records
it counts, with that list's own filters, so the number on the tile is the count the list opens
with for the same user. Figures come from the apps' own selectors and querysets (``visible_*``);
each dashboard is a handful of aggregate queries whatever the data size.

A role that may not see amounts (``access.sees_amounts``) gets no tile or chart column made of
amounts: counts only.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, DecimalField, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.activities.models import TaskStatus
from accord.activities.selectors import visible_tasks
from accord.analytics.models import RfmSegment, ValueClass
from accord.billing.models import InvoiceKind, InvoiceStatus
from accord.billing.models.invoices import UNPAID
from accord.billing.selectors import collections as collection_selectors
from accord.billing.selectors import receivables
from accord.billing.selectors.invoices import visible_invoices
from accord.core import access, money
from accord.identity.models import Role
from accord.marketing.models import CampaignRecipient, CampaignStatus, ConsentChannel, ConsentPurpose, RecipientState
from accord.marketing.selectors.campaigns import visible_campaigns
from accord.marketing.selectors.consent import reachable_q
from accord.people.models import Company, Contact
from accord.sales.models import DealStatus, Stage
from accord.sales.selectors.deals import visible_deals
from accord.sales.selectors.leads import visible_leads
from accord.service.models import OPEN_STATUSES
from accord.service.selectors import feedback, reports
from accord.service.selectors.tickets import visible_tickets

D = decimal.Decimal
ZERO = D("0.00")
MONEY = DecimalField(max_digits=18, decimal_places=2)

ROLES: dict[str, Any] = {
    "sales": gettext_lazy("Sales"),
    "collections": gettext_lazy("Collections"),
    "service": gettext_lazy("Service"),
    "marketing": gettext_lazy("Marketing"),
    "management": gettext_lazy("Management"),
}
# The dashboard a role opens on; any other role (a custom one): management when it sees every
# record, else sales.
DEFAULT_FOR_ROLE = {
    Role.ADMIN: "management",
    Role.MANAGER: "management",
    Role.SALES_REP: "sales",
    Role.READ_ONLY: "sales",
    Role.SUPPORT_AGENT: "service",
    Role.MARKETER: "marketing",
}
WIN_RATE_DAYS = 90
RECENT_DAYS = 30


@dataclass
class Tile:
    """One figure: its value, what it means, the previous period's, and where its records are."""

    key: str
    label: str
    help: str
    value: Any  # int, Decimal or None (nothing to measure yet)
    unit: str  # count | money | percent | days | hours | score
    url: str
    previous: Any = None
    previous_label: str = ""

    @property
    def change(self) -> Any:
        """value - previous, when both are known."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass
class ChartRow:
    label: str
    count: int
    url: str
    amount: decimal.Decimal | None = None  # None: the chart has no amounts (or they are hidden)


@dataclass
class Chart:
    key: str
    title: str
    help: str
    rows: list[ChartRow]
    group_label: str  # what a row is (a stage, a priority...)
    count_label: str
    amount_label: str = ""  # empty: no amount column

    @property
    def max_count(self) -> int:
        return max((row.count for row in self.rows), default=0)


@dataclass
class Dashboard:
    role: str
    title: str
    currency: str
    tiles: list[Tile]
    charts: list[Chart]
    amounts: bool
    missing_rates: list[str] = field(default_factory=list)


def parse_role(value: Any) -> str:
    role = str(value or "").strip()
    if role not in ROLES:
        raise ValidationError({"role": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(ROLES)}]})
    return role


def default_role(user: Any) -> str:
    """The dashboard that fits ``user``'s role."""
    role = getattr(user, "role", None)
    code = getattr(role, "code", "")
    if code in DEFAULT_FOR_ROLE:
        return DEFAULT_FOR_ROLE[code]
    return "management" if access.sees_all(user) or access.is_admin(user) else "sales"


# --- helpers ----------------------------------------------------------------------------------------


def _link(name: str, params: dict[str, Any] | None = None) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def _stamp(moment: datetime.datetime) -> str:
    """A moment as a list filter reads it, to the second, in the server's time zone."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _percent(part: int, whole: int) -> decimal.Decimal | None:
    if not whole:
        return None
    return (D(part) * 100 / D(whole)).quantize(D("0.1"), rounding=decimal.ROUND_HALF_UP)


def _days(value: Any) -> decimal.Decimal | None:
    if value is None:
        return None
    if not isinstance(value, datetime.timedelta):  # some backends answer in microseconds
        value = datetime.timedelta(microseconds=float(value))
    return (D(value.total_seconds()) / D(86400)).quantize(D("0.1"), rounding=decimal.ROUND_HALF_UP)


def _month_start(day: datetime.date, shift: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 + shift
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class _Context:
    user: Any
    today: datetime.date
    now: datetime.datetime
    amounts: bool
    missing: set[str] = field(default_factory=set)

    def convert(self, sums: dict[str, decimal.Decimal]) -> decimal.Decimal:
        """A base-currency total of per-currency sums; a currency without a rate is left out and named."""
        table = money.rates(sums)
        total = ZERO
        for currency, amount in sums.items():
            try:
                total += money.to_base(D(str(amount)), currency, table)
            except money.MissingRate:
                self.missing.add(currency)
        return total


# --- sales ------------------------------------------------------------------------------------------


def _pipeline(ctx: _Context) -> tuple[list[Tile], Chart]:
    """Open deals, the weighted pipeline and the open deals by stage: one grouped query and the stages."""
    rows = list(
        visible_deals(ctx.user)
        .filter(status=DealStatus.OPEN)
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    stages = {
        s.pk: s
        for s in Stage.objects.filter(pk__in={r["stage_id"] for r in rows})
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline__name", "position")
    }
    count = sum(r["n"] for r in rows)
    per_stage: dict[Any, dict[str, Any]] = {}
    weighted: dict[str, decimal.Decimal] = {}
    for r in rows:
        stage = stages.get(r["stage_id"])
        entry = per_stage.setdefault(r["stage_id"], {"n": 0, "sums": {}})
        entry["n"] += r["n"]
        amount = D(str(r["total"] or 0))
        entry["sums"][r["currency"]] = entry["sums"].get(r["currency"], ZERO) + amount
        probability = D(stage.probability if stage else 0)
        weighted[r["currency"]] = weighted.get(r["currency"], ZERO) + amount * probability / 100
    url = _link("sales:deal-list", {"status": DealStatus.OPEN})
    tiles = [
        Tile("open_deals", _("Open deals"), _("Deals not yet won or lost."), count, "count", url),
    ]
    if ctx.amounts:
        tiles.append(
            Tile(
                "weighted_pipeline",
                _("Weighted pipeline"),
                _("The open deals' amounts times their stage's win probability, in the base currency."),
                ctx.convert(weighted).quantize(D("0.01")),
                "money",
                url,
            )
        )
    ordered = sorted(per_stage, key=lambda pk: list(stages).index(pk) if pk in stages else len(stages))
    chart_rows = []
    for pk in ordered:
        stage = stages.get(pk)
        label = (
            f"{stage.pipeline.name} · {stage.name}"
            if stage and len({s.pipeline_id for s in stages.values()}) > 1
            else (stage.name if stage else "—")
        )
        chart_rows.append(
            ChartRow(
                label=label,
                count=per_stage[pk]["n"],
                url=_link("sales:deal-list", {"status": DealStatus.OPEN, "stage": str(pk)}),
                amount=ctx.convert(per_stage[pk]["sums"]) if ctx.amounts else None,
            )
        )
    chart = Chart(
        "pipeline_by_stage",
        _("Open deals by stage"),
        _("How many open deals stand at each stage, and their amount."),
        chart_rows,
        _("Stage"),
        _("Deals"),
        _("Amount") if ctx.amounts else "",
    )
    return tiles, chart


def _closed(ctx: _Context) -> list[Tile]:
    """Won this month (vs last month), win rate and sales cycle over 90 days (vs the 90 before): one query."""
    month = _month_start(ctx.today)
    last_month = _month_start(ctx.today, -1)
    next_month = _month_start(ctx.today, 1)
    tomorrow = _midnight(ctx.today + datetime.timedelta(days=1))
    window = _midnight(ctx.today - datetime.timedelta(days=WIN_RATE_DAYS - 1))
    before = _midnight(ctx.today - datetime.timedelta(days=2 * WIN_RATE_DAYS - 1))
    first = min(before, _midnight(last_month))
    this_m = Q(closed_at__gte=_midnight(month), closed_at__lt=_midnight(next_month))
    last_m = Q(closed_at__gte=_midnight(last_month), closed_at__lt=_midnight(month))
    recent = Q(closed_at__gte=window, closed_at__lt=tomorrow)
    earlier = Q(closed_at__gte=before, closed_at__lt=window)
    won, lost = Q(status=DealStatus.WON), Q(status=DealStatus.LOST)
    cycle = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    found = (
        visible_deals(ctx.user)
        .filter(status__in=[DealStatus.WON, DealStatus.LOST], closed_at__gte=first, closed_at__lt=tomorrow)
        .aggregate(
            won_month=Count("id", filter=won & this_m),
            won_last=Count("id", filter=won & last_m),
            won_recent=Count("id", filter=won & recent),
            lost_recent=Count("id", filter=lost & recent),
            won_earlier=Count("id", filter=won & earlier),
            lost_earlier=Count("id", filter=lost & earlier),
            cycle_recent=Avg(cycle, filter=won & recent),
            cycle_earlier=Avg(cycle, filter=won & earlier),
        )
    )
    recent_params = {"closed_after": _stamp(window), "closed_before": _stamp(tomorrow)}
    return [
        Tile(
            "won_this_month",
            _("Won this month"),
            _("Deals won since the first of the month; compared with last month."),
            found["won_month"],
            "count",
            _link(
                "sales:deal-list",
                {
                    "status": DealStatus.WON,
                    "closed_after": _stamp(_midnight(month)),
                    "closed_before": _stamp(_midnight(next_month)),
                },
            ),
            previous=found["won_last"],
            previous_label=_("last month"),
        ),
        Tile(
            "win_rate",
            _("Win rate"),
            _("Of the deals closed in the last %(days)s days, the share won; compared with the %(days)s days before.")
            % {"days": WIN_RATE_DAYS},
            _percent(found["won_recent"], found["won_recent"] + found["lost_recent"]),
            "percent",
            _link("sales:deal-list", {"status": [DealStatus.WON, DealStatus.LOST], **recent_params}),
            previous=_percent(found["won_earlier"], found["won_earlier"] + found["lost_earlier"]),
            previous_label=_("previous %(days)s days") % {"days": WIN_RATE_DAYS},
        ),
        Tile(
            "sales_cycle",
            _("Average sales cycle"),
            _("Days from creation to winning, of the deals won in the last %(days)s days.") % {"days": WIN_RATE_DAYS},
            _days(found["cycle_recent"]),
            "days",
            _link("sales:deal-list", {"status": DealStatus.WON, **recent_params}),
            previous=_days(found["cycle_earlier"]),
            previous_label=_("previous %(days)s days") % {"days": WIN_RATE_DAYS},
        ),
    ]


def _leads_and_tasks(ctx: _Context) -> list[Tile]:
    tomorrow = _midnight(ctx.today + datetime.timedelta(days=1))
    start = _midnight(ctx.today - datetime.timedelta(days=RECENT_DAYS - 1))
    before = _midnight(ctx.today - datetime.timedelta(days=2 * RECENT_DAYS - 1))
    leads = (
        visible_leads(ctx.user)
        .filter(created_at__gte=before, created_at__lt=tomorrow)
        .aggregate(
            recent=Count("id", filter=Q(created_at__gte=start)),
            earlier=Count("id", filter=Q(created_at__lt=start)),
        )
    )
    now = ctx.now.replace(microsecond=0)
    overdue = visible_tasks(ctx.user).filter(status=TaskStatus.OPEN, due_at__lt=now).count()
    return [
        Tile(
            "new_leads",
            _("New leads"),
            _("Leads received in the last %(days)s days; compared with the %(days)s days before.")
            % {"days": RECENT_DAYS},
            leads["recent"],
            "count",
            _link("sales:lead-list", {"created_after": _stamp(start), "created_before": _stamp(tomorrow)}),
            previous=leads["earlier"],
            previous_label=_("previous %(days)s days") % {"days": RECENT_DAYS},
        ),
        Tile(
            "overdue_tasks",
            _("Overdue tasks"),
            _("Open tasks whose due time has passed."),
            overdue,
            "count",
            _link("activities:task-list", {"status": TaskStatus.OPEN, "due_before": _stamp(now), "all": "1"}),
        ),
    ]


def sales(ctx: _Context) -> tuple[list[Tile], list[Chart]]:
    pipeline_tiles, chart = _pipeline(ctx)
    return [*pipeline_tiles, *_closed(ctx), *_leads_and_tasks(ctx)], [chart]


# --- collections ------------------------------------------------------------------------------------

UNPAID_PARAMS = {"kind": InvoiceKind.VAT, "status": list(UNPAID)}


def _receivables(ctx: _Context) -> tuple[list[Tile], Chart]:
    """Receivables, overdue and the aging of unpaid invoices: one query grouped by currency."""
    today = ctx.today
    outstanding = ExpressionWrapper(receivables.OUTSTANDING, output_field=MONEY)
    # (key, label, first day overdue, last day overdue), as the receivables report ages them.
    buckets = receivables.BUCKETS
    conditions = {}
    for key, _label, first, last in buckets:
        condition = Q()
        if first is not None:
            condition &= Q(due_date__lte=today - datetime.timedelta(days=first))
        if last is not None:
            condition &= Q(due_date__gte=today - datetime.timedelta(days=last))
        conditions[key] = condition
    aggregates: dict[str, Any] = {"n": Count("id"), "total": Sum(outstanding)}
    for key, condition in conditions.items():
        aggregates[f"n_{key}"] = Count("id", filter=condition)
        aggregates[f"sum_{key}"] = Sum(outstanding, filter=condition)
    rows: list[Any] = list(
        visible_invoices(ctx.user)
        .filter(kind=InvoiceKind.VAT, status__in=UNPAID)
        .values("currency")
        .annotate(**aggregates)
        .order_by()
    )
    count = sum(r["n"] for r in rows)
    # "Overdue" is the invoice list's own filter: every bucket but "not due".
    overdue_keys = [key for key, *_rest in buckets if key != "not_due"]
    overdue_count = sum(r[f"n_{key}"] for r in rows for key in overdue_keys)

    def total(names: list[str]) -> decimal.Decimal:
        sums: dict[str, decimal.Decimal] = {}
        for r in rows:
            sums[r["currency"]] = sums.get(r["currency"], ZERO) + sum((r[n] or ZERO for n in names), ZERO)
        return ctx.convert(sums)

    unpaid_url = _link("billing:invoice-list", UNPAID_PARAMS)
    overdue_url = _link("billing:invoice-list", {"overdue": "true"})
    tiles = [
        Tile("unpaid_invoices", _("Unpaid invoices"), _("Issued invoices not fully paid."), count, "count", unpaid_url),
        Tile(
            "overdue_invoices",
            _("Overdue invoices"),
            _("Unpaid invoices past their due date."),
            overdue_count,
            "count",
            overdue_url,
        ),
    ]
    if ctx.amounts:
        tiles[1:1] = [
            Tile(
                "receivables",
                _("Receivables"),
                _("What unpaid invoices still owe, in the base currency."),
                total(["total"]),
                "money",
                unpaid_url,
            )
        ]
        tiles.append(
            Tile(
                "overdue_amount",
                _("Overdue amount"),
                _("What overdue invoices still owe, in the base currency."),
                total([f"sum_{key}" for key in overdue_keys]),
                "money",
                overdue_url,
            )
        )
    chart_rows = []
    for key, label, first, last in buckets:
        params: dict[str, Any] = dict(UNPAID_PARAMS)
        if last is not None:
            params["due_after"] = (today - datetime.timedelta(days=last)).isoformat()
        if first is not None:
            params["due_before"] = (today - datetime.timedelta(days=first)).isoformat()
        chart_rows.append(
            ChartRow(
                label=str(label),
                count=sum(r[f"n_{key}"] for r in rows),
                url=_link("billing:invoice-list", params),
                amount=total([f"sum_{key}"]) if ctx.amounts else None,
            )
        )
    chart = Chart(
        "aging",
        _("Unpaid invoices by days overdue"),
        _("How long unpaid invoices are past their due date."),
        chart_rows,
        _("Days overdue"),
        _("Invoices"),
        _("Owed") if ctx.amounts else "",
    )
    return tiles, chart


def _dso(ctx: _Context) -> Tile:
    return Tile(
        "dso",
        _("DSO"),
        _("Days sales outstanding: what is owed now against what was invoiced in the last 90 days."),
        receivables.dso(ctx.user, today=ctx.today),
        "days",
        _link("billing:receivables"),
    )


def collections(ctx: _Context) -> tuple[list[Tile], list[Chart]]:
    tiles, chart = _receivables(ctx)
    if ctx.amounts:
        tiles.append(_dso(ctx))
    tiles += [
        Tile(
            "awaiting_approval",
            _("Steps awaiting approval"),
            _("Collection steps waiting for your decision."),
            collection_selectors.awaiting_count(ctx.user),
            "count",
            _link("billing:collections-approvals"),
        ),
        Tile(
            "calls_today",
            _("Calls due today"),
            _("Your collection calls still to make by the end of today."),
            collection_selectors.calls_count(ctx.user, today=ctx.today),
            "count",
            _link("billing:collection-calls"),
        ),
    ]
    return tiles, [chart]


# --- service ----------------------------------------------------------------------------------------


def _tickets(ctx: _Context) -> tuple[list[Tile], Chart]:
    """Open, unassigned, late and complaint tickets, and the open ones by priority: one query."""
    late = Q(first_response_breached=True) | Q(resolution_breached=True)
    rows: list[Any] = list(
        visible_tickets(ctx.user)
        .filter(status__in=OPEN_STATUSES)
        .values("priority")
        .annotate(
            n=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            late=Count("id", filter=late),
            complaints=Count("id", filter=Q(is_complaint=True)),
        )
        .order_by()
    )

    def total(name: str) -> int:
        return sum(r[name] for r in rows)

    def url(**params: Any) -> str:
        return _link("service:ticket-list", {"open": "true", **params})

    tiles = [
        Tile("open_tickets", _("Open tickets"), _("Tickets not yet resolved or closed."), total("n"), "count", url()),
        Tile(
            "unassigned_tickets",
            _("Unassigned tickets"),
            _("Open tickets nobody has taken."),
            total("unassigned"),
            "count",
            url(assignee="none"),
        ),
        Tile(
            "sla_breaches",
            _("SLA breaches open"),
            _("Open tickets that missed their first-response or resolution time."),
            total("late"),
            "count",
            url(breached="true"),
        ),
        Tile(
            "open_complaints",
            _("Open complaints"),
            _("Open tickets marked as complaints."),
            total("complaints"),
            "count",
            url(complaint="true"),
        ),
    ]
    from accord.service.models import TicketPriority

    by_priority = {r["priority"]: r["n"] for r in rows}
    chart = Chart(
        "tickets_by_priority",
        _("Open tickets by priority"),
        _("How many open tickets there are of each priority."),
        [
            ChartRow(label=str(label), count=by_priority.get(value, 0), url=url(priority=value))
            for value, label in reversed(TicketPriority.choices)
        ],
        _("Priority"),
        _("Tickets"),
    )
    return tiles, chart


def _service_quality(ctx: _Context) -> list[Tile]:
    start = ctx.today - datetime.timedelta(days=RECENT_DAYS - 1)
    period = {"from": start.isoformat(), "to": ctx.today.isoformat()}
    sla = reports.sla_report(ctx.user, start=start, end=ctx.today).total
    csat = feedback.satisfaction_report(ctx.user, start=start, end=ctx.today).total
    first = sla.first_average
    return [
        Tile(
            "first_response",
            _("Average first response"),
            _("Hours to the first answer, of the tickets created in the last %(days)s days.") % {"days": RECENT_DAYS},
            (D(first.total_seconds()) / D(3600)).quantize(D("0.1")) if first is not None else None,
            "hours",
            _link("service:sla-report", period),
        ),
        Tile(
            "first_response_met",
            _("First response on time"),
            _("Share of first answers given within the SLA, last %(days)s days.") % {"days": RECENT_DAYS},
            D(str(sla.first_percent)) if sla.first_percent is not None else None,
            "percent",
            _link("service:sla-report", period),
        ),
        Tile(
            "csat",
            _("Satisfied customers"),
            _("Share of satisfaction survey answers that were satisfied, last %(days)s days.") % {"days": RECENT_DAYS},
            D(str(csat.satisfied_percent)) if csat.satisfied_percent is not None else None,
            "percent",
            _link("service:satisfaction-report", period),
        ),
    ]


def service(ctx: _Context) -> tuple[list[Tile], list[Chart]]:
    tiles, chart = _tickets(ctx)
    return [*tiles, *_service_quality(ctx)], [chart]


# --- marketing --------------------------------------------------------------------------------------


def marketing(ctx: _Context) -> tuple[list[Tile], list[Chart]]:
    since = _midnight(ctx.today - datetime.timedelta(days=RECENT_DAYS - 1))
    reachable = (
        access.scope(ctx.user, Contact.objects.all())
        .filter(reachable_q(channel=ConsentChannel.EMAIL, purpose=ConsentPurpose.NEWSLETTER))
        .count()
    )
    sent = visible_campaigns(ctx.user).filter(status=CampaignStatus.SENT, finished_at__gte=since)
    campaigns = list(sent.order_by("-finished_at", "-id").values("pk", "name")[:10])
    delivered = Q(state=RecipientState.QUEUED)
    per_campaign: dict[Any, Any] = {
        r["campaign_id"]: r
        for r in CampaignRecipient.objects.filter(campaign__in=sent.values("pk"), state=RecipientState.QUEUED)
        .values("campaign_id")
        .annotate(
            n=Count("id", filter=delivered),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
            clicked=Count("id", filter=Q(clicked_at__isnull=False)),
        )
        .order_by()
    }
    sent_count = sent.count()
    recipients = sum(r["n"] for r in per_campaign.values())
    opened = sum(r["opened"] for r in per_campaign.values())
    clicked = sum(r["clicked"] for r in per_campaign.values())
    unsubscribed = _unsubscribes(sent)
    url = _link("marketing:campaign-list", {"status": CampaignStatus.SENT, "sent_after": _stamp(since)})
    tiles = [
        Tile(
            "reachable_contacts",
            _("Newsletter audience"),
            _("Contacts who may receive the newsletter by e-mail now (consent given, not suppressed)."),
            reachable,
            "count",
            _link("people:contact-list", {"reachable": f"{ConsentChannel.EMAIL}:{ConsentPurpose.NEWSLETTER}"}),
        ),
        Tile(
            "campaigns_sent",
            _("Campaigns sent"),
            _("Campaigns finished sending in the last %(days)s days.") % {"days": RECENT_DAYS},
            sent_count,
            "count",
            url,
        ),
        Tile(
            "open_rate",
            _("Open rate"),
            _("Of the messages those campaigns sent, the share opened."),
            _percent(opened, recipients),
            "percent",
            url,
        ),
        Tile(
            "click_rate",
            _("Click rate"),
            _("Of the messages those campaigns sent, the share with a click."),
            _percent(clicked, recipients),
            "percent",
            url,
        ),
        Tile(
            "unsubscribe_rate",
            _("Unsubscribe rate"),
            _("Of the messages those campaigns sent, the share that led to an unsubscribe."),
            _percent(unsubscribed, recipients),
            "percent",
            url,
        ),
    ]
    chart = Chart(
        "campaign_opens",
        _("Recent campaigns"),
        _("Messages sent and opened by the campaigns of the last %(days)s days.") % {"days": RECENT_DAYS},
        [
            ChartRow(
                label=c["name"],
                count=per_campaign.get(c["pk"], {}).get("opened", 0),
                url=reverse("marketing:campaign-detail", args=[c["pk"]]),
            )
            for c in campaigns
        ],
        _("Campaign"),
        _("Opened"),
    )
    return tiles, [chart]


def _unsubscribes(sent: Any) -> int:
    """Unsubscribes through the links of ``sent`` campaigns (the campaign's results count them so)."""
    from accord.marketing.models import ConsentAction, ConsentEvent, ConsentMethod

    ids = [str(pk) for pk in sent.values_list("pk", flat=True)[:500]]
    if not ids:
        return 0
    q = Q(pk__in=[])
    for pk in ids:
        q |= Q(source__endswith=f"(campaign:{pk})")
    return ConsentEvent.objects.filter(q, action=ConsentAction.WITHDRAWN, method=ConsentMethod.UNSUBSCRIBE).count()


# --- management -------------------------------------------------------------------------------------


def _revenue(ctx: _Context) -> list[Tile]:
    """Invoices issued this month vs last (count, and their gross in the base currency): one query."""
    month = _month_start(ctx.today)
    last = _month_start(ctx.today, -1)
    following = _month_start(ctx.today, 1)
    issued = [s for s in InvoiceStatus.values if s != InvoiceStatus.DRAFT]
    this_m = Q(issue_date__gte=month, issue_date__lt=following)
    last_m = Q(issue_date__gte=last, issue_date__lt=month)
    gross = Coalesce("gross_total_base", Value(ZERO), output_field=MONEY)
    found = (
        visible_invoices(ctx.user)
        .filter(kind=InvoiceKind.VAT, status__in=issued, issue_date__gte=last, issue_date__lt=following)
        .aggregate(
            n=Count("id", filter=this_m),
            n_last=Count("id", filter=last_m),
            total=Sum(gross, filter=this_m),
            total_last=Sum(gross, filter=last_m),
        )
    )
    url = _link(
        "billing:invoice-list",
        {
            "kind": InvoiceKind.VAT,
            "status": issued,
            "issued_after": month.isoformat(),
            "issued_before": (following - datetime.timedelta(days=1)).isoformat(),
        },
    )
    tiles = [
        Tile(
            "invoices_issued",
            _("Invoices issued this month"),
            _("VAT invoices issued since the first of the month; compared with last month."),
            found["n"],
            "count",
            url,
            previous=found["n_last"],
            previous_label=_("last month"),
        )
    ]
    if ctx.amounts:
        tiles.insert(
            0,
            Tile(
                "revenue",
                _("Revenue this month"),
                _("Gross of the invoices issued this month, in the base currency; compared with last month."),
                found["total"] or ZERO,
                "money",
                url,
                previous=found["total_last"] or ZERO,
                previous_label=_("last month"),
            ),
        )
    return tiles


def _customers(ctx: _Context) -> list[Tile]:
    at_risk = [RfmSegment.AT_RISK, RfmSegment.CANNOT_LOSE]
    found = access.scope(ctx.user, Company.objects.all()).aggregate(
        key=Count("id", filter=Q(customer_class__value_class=ValueClass.KEY)),
        unprofitable=Count("id", filter=Q(customer_class__value_class=ValueClass.UNPROFITABLE)),
        at_risk=Count("id", filter=Q(customer_class__segment__in=at_risk)),
    )
    return [
        Tile(
            "key_customers",
            _("Key customers"),
            _("Companies classified as key customers by their value."),
            found["key"],
            "count",
            _link("people:company-list", {"customer_value": ValueClass.KEY}),
        ),
        Tile(
            "unprofitable_customers",
            _("Unprofitable customers"),
            _("Companies that cost more to serve than they bring."),
            found["unprofitable"],
            "count",
            _link("people:company-list", {"customer_value": ValueClass.UNPROFITABLE}),
        ),
        Tile(
            "at_risk_customers",
            _("Customers at risk"),
            _("Companies in the RFM segments “at risk” and “cannot lose them”."),
            found["at_risk"],
            "count",
            _link("people:company-list", {"rfm_segment": at_risk}),
        ),
    ]


def management(ctx: _Context) -> tuple[list[Tile], list[Chart]]:
    pipeline_tiles, pipeline_chart = _pipeline(ctx)
    closed = {t.key: t for t in _closed(ctx)}
    tickets, _chart = _tickets(ctx)
    tiles = [*_revenue(ctx), *pipeline_tiles, closed["win_rate"]]
    if ctx.amounts:
        tiles.append(_dso(ctx))
    tiles += [tickets[0], *_customers(ctx)]
    return tiles, [pipeline_chart]


BUILDERS: dict[str, Callable[[_Context], tuple[list[Tile], list[Chart]]]] = {
    "sales": sales,
    "collections": collections,
    "service": service,
    "marketing": marketing,
    "management": management,
}


def dashboard(
    user: Any, role: str, *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> Dashboard:
    """The dashboard ``role`` as ``user`` may see it (figures scoped; amounts only if they may see them)."""
    role = parse_role(role)
    now = now or timezone.now()
    ctx = _Context(user=user, today=today or timezone.localdate(now), now=now, amounts=access.sees_amounts(user))
    tiles, charts = BUILDERS[role](ctx)
    return Dashboard(
        role=role,
        title=str(ROLES[role]),
        currency=money.base_currency(),
        tiles=tiles,
        charts=charts,
        amounts=ctx.amounts,
        missing_rates=sorted(ctx.missing),
    )
