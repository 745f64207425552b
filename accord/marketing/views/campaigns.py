"""Marketing → Campaigns: the list (by status), the editor (blocks and versions per language,
A/B, schedule, throttle, tracking, cost), preview as a chosen recipient and test send, launch
after a confirmation showing how many will get it, cancel, and the results with charts.

The editor has no script: each language's blocks are rows of a form (type, text, link, image
description, position); a row left without a type is dropped, and every save leaves empty rows
to add blocks with. Everything is checked by the services, as the API is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accord.core import access
from accord.core.access import Action
from accord.core.errors import Conflict, message_dict
from accord.core.requests import AuthedRequest
from accord.marketing.models import AbMetric, Campaign, CampaignChannel, CampaignStatus, ConsentPurpose, SkipReason
from accord.marketing.selectors import campaigns as selectors
from accord.marketing.selectors.segments import members, visible_contacts, visible_segments
from accord.marketing.services import campaign_content as content
from accord.marketing.services import campaigns as services
from accord.people.models import Contact

EMPTY_ROWS = 3
CONTACTS_OFFERED = 50
BLOCK_LABELS = {
    "heading": gettext_lazy("Heading"),
    "paragraph": gettext_lazy("Paragraph"),
    "button": gettext_lazy("Button (link)"),
    "image": gettext_lazy("Image"),
    "divider": gettext_lazy("Divider"),
    "footer": gettext_lazy("Footer"),
}


@login_required
def campaign_list(request: AuthedRequest) -> HttpResponse:
    campaigns = selectors.visible_campaigns(request.user).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in CampaignStatus.values:
        campaigns = campaigns.filter(status=status)
    sent_after = selectors.sent_after(request.GET.get("sent_after", ""))
    if sent_after is not None:
        campaigns = campaigns.filter(finished_at__gte=sent_after)
    return render(
        request,
        "marketing/campaigns/list.html",
        {
            "campaigns": list(campaigns[:500]),
            "status": status,
            "statuses": CampaignStatus.choices,
            "can_create": access.can_create(request.user),
        },
    )


# --- the editor ---------------------------------------------------------------------------------------


def _languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _versions_from_post(post: QueryDict, channel: str) -> dict[str, Any]:
    versions: dict[str, Any] = {}
    for code, _name in _languages():
        if channel == CampaignChannel.SMS:
            text = post.get(f"v-{code}-text", "").strip()
            if text:
                versions[code] = {"text": text}
            continue
        subject = post.get(f"v-{code}-subject", "").strip()
        rows = []
        i = 0
        while f"b-{code}-{i}-type" in post:
            kind = post.get(f"b-{code}-{i}-type", "")
            if kind:
                try:
                    position = float(post.get(f"b-{code}-{i}-pos") or i)
                except ValueError:
                    position = float(i)
                block: dict[str, str] = {"type": kind}
                for name in ("text", "url", "alt"):
                    value = post.get(f"b-{code}-{i}-{name}", "")
                    if value:
                        block[name] = str(value)
                rows.append((position, i, block))
            i += 1
        if subject or rows:
            versions[code] = {
                "subject": subject,
                "subject_b": post.get(f"v-{code}-subject_b", "").strip(),
                "blocks": [block for _p, _i, block in sorted(rows, key=lambda r: (r[0], r[1]))],
            }
    return versions


def _form_data(request: AuthedRequest) -> dict[str, Any]:
    post = request.POST
    channel = post.get("channel", CampaignChannel.EMAIL)
    return {
        "name": post.get("name", ""),
        "channel": channel,
        "purpose": post.get("purpose", ""),
        "segment": post.get("segment", ""),
        "scheduled_at": post.get("scheduled_at", ""),
        "throttle_per_hour": post.get("throttle_per_hour", "0"),
        "ab_share": post.get("ab_share", "0"),
        "ab_wait_hours": post.get("ab_wait_hours", "4"),
        "ab_metric": post.get("ab_metric", AbMetric.OPENS),
        "track_opens": bool(post.get("track_opens")),
        "track_clicks": bool(post.get("track_clicks")),
        "cost": post.get("cost", "0"),
        "versions": _versions_from_post(post, channel),
    }


def _version_rows(versions: dict[str, Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Each language's fields and block rows, as the form shows them (with empty rows to add)."""
    shown = []
    for code, name in _languages():
        version = versions.get(code) or {}
        blocks = list(version.get("blocks") or [])
        rows = []
        for i, block in enumerate([*blocks, *([{}] * EMPTY_ROWS)]):
            prefix = f"versions.{code}.blocks.{i}"
            rows.append(
                {
                    "i": i,
                    "pos": i + 1,
                    "block": block,
                    "errors": [m for key, found in errors.items() if key.startswith(prefix + ".") for m in found],
                }
            )
        shown.append(
            {
                "code": code,
                "name": name,
                "version": version,
                "rows": rows,
                "errors": [
                    m
                    for key, found in errors.items()
                    if key.startswith(f"versions.{code}") and ".blocks." not in key
                    for m in found
                ],
                "open": bool(version) or code == versions_default(versions),
            }
        )
    return shown


def versions_default(versions: dict[str, Any]) -> str:
    from accord.core import languages

    return "" if versions else languages.site_language()


def _editor(
    request: AuthedRequest,
    *,
    campaign: Campaign | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    known = {"name", "channel", "purpose", "segment", "scheduled_at", "throttle_per_hour", "ab_share"}
    known |= {"ab_wait_hours", "ab_metric", "cost", "custom_fields"}
    scheduled = values.get("scheduled_at")
    if hasattr(scheduled, "astimezone"):
        scheduled = timezone.localtime(scheduled).strftime("%Y-%m-%dT%H:%M")
    context = {
        "campaign": campaign,
        "values": {**values, "scheduled_at": scheduled or ""},
        "errors": errors,
        "general_errors": [
            m for key, found in errors.items() if key not in known and not key.startswith("versions.") for m in found
        ],
        "versions": _version_rows(values.get("versions") or {}, errors),
        "segments": list(visible_segments(request.user).order_by("name", "id")),
        "channels": CampaignChannel.choices,
        "purposes": [(p.value, p.label) for p in (ConsentPurpose.NEWSLETTER, ConsentPurpose.OFFERS)],
        "metrics": AbMetric.choices,
        "block_types": list(BLOCK_LABELS.items()),
        "variables": content.VARIABLES,
    }
    return render(request, "marketing/campaigns/form.html", context, status=status)


def _save(request: AuthedRequest, campaign: Campaign | None) -> HttpResponse:
    values = _form_data(request)
    try:
        if campaign is None:
            saved = services.create_campaign(actor=request.user, data=values)
        else:
            version = int(request.POST.get("version") or 0) or None
            saved = services.update_campaign(
                actor=request.user, campaign=campaign, data=values, expected_version=version
            )
    except ValidationError as exc:
        return _editor(request, campaign=campaign, values=values, errors=message_dict(exc), status=422)
    except Conflict as exc:
        return _editor(request, campaign=campaign, values=values, errors={"__all__": [exc.message]}, status=409)
    messages.success(request, _("The campaign “%(name)s” is saved.") % {"name": saved.name})
    return redirect("marketing:campaign-detail", pk=saved.pk)


@login_required
def campaign_create(request: AuthedRequest) -> HttpResponse:
    access.require_create(request.user)
    if request.method == "POST":
        return _save(request, None)
    values = {
        "name": "",
        "channel": CampaignChannel.EMAIL,
        "purpose": ConsentPurpose.NEWSLETTER,
        "segment": request.GET.get("segment", ""),
        "throttle_per_hour": 0,
        "ab_share": 0,
        "ab_wait_hours": 4,
        "ab_metric": AbMetric.OPENS,
        "track_opens": True,
        "track_clicks": True,
        "cost": "0.00",
        "versions": {},
    }
    return _editor(request, campaign=None, values=values)


def _values(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "channel": campaign.channel,
        "purpose": campaign.purpose,
        "segment": str(campaign.segment_id or ""),
        "scheduled_at": campaign.scheduled_at,
        "throttle_per_hour": campaign.throttle_per_hour,
        "ab_share": campaign.ab_share,
        "ab_wait_hours": campaign.ab_wait_hours,
        "ab_metric": campaign.ab_metric,
        "track_opens": campaign.track_opens,
        "track_clicks": campaign.track_clicks,
        "cost": campaign.cost,
        "versions": campaign.versions,
        "version": campaign.version,
    }


@login_required
def campaign_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    campaign = selectors.campaign_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, campaign)
    if not campaign.is_editable:
        messages.error(request, _("A campaign that has been sent cannot be changed."))
        return redirect("marketing:campaign-detail", pk=campaign.pk)
    if request.method == "POST":
        return _save(request, campaign)
    return _editor(request, campaign=campaign, values=_values(campaign))


# --- the campaign's page ----------------------------------------------------------------------------


def _VARIANTS() -> dict[str, str]:
    return {"a": _("Subject A"), "b": _("Subject B"), "r": _("The rest (winner)")}


def _chart_data(found: selectors.Results) -> dict[str, Any]:
    labels = _VARIANTS()
    metrics = [
        ("delivered", _("Delivered")),
        ("opened", _("Opened")),
        ("clicked", _("Clicked")),
        ("unsubscribed", _("Unsubscribed")),
        ("bounced", _("Bounced")),
    ]
    return {
        "metrics": [str(label) for _n, label in metrics],
        "series": [
            {"label": str(labels.get(v, v)), "values": [getattr(counts, name) for name, _l in metrics]}
            for v, counts in found.variants.items()
        ],
        "hours": [timezone.localtime(row["hour"]).strftime("%d.%m %H:00") for row in found.timeline],
        "opened": [row["opened"] for row in found.timeline],
        "clicked": [row["clicked"] for row in found.timeline],
        "opened_label": _("First opens"),
        "clicked_label": _("First clicks"),
    }


@login_required
def campaign_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    campaign = selectors.campaign_detail(request.user, pk)
    may_change = access.can(request.user, Action.CHANGE, campaign)
    found = selectors.results(user=request.user, campaign=campaign) if campaign.launched_at else None
    context: dict[str, Any] = {
        "campaign": campaign,
        "may_change": may_change,
        "may_cancel": may_change and campaign.status != CampaignStatus.DRAFT and selectors.may_cancel(campaign),
        "results": found,
        "variant_rows": [(_VARIANTS().get(v, v), counts) for v, counts in found.variants.items()] if found else [],
        "skipped_rows": [(label, found.skipped.get(reason, 0)) for reason, label in SkipReason.choices]
        if found
        else [],
        "chart": _chart_data(found) if found else None,
        "versions": [(code, dict(_languages()).get(code, code), v) for code, v in campaign.versions.items()],
        "attribution_days": selectors.ATTRIBUTION_DAYS,
    }
    if campaign.status == CampaignStatus.DRAFT and may_change:
        context["problems"] = [m for found_ in services.launch_problems(campaign).values() for m in found_]
    return render(request, "marketing/campaigns/detail.html", context)


def _members_offered(request: AuthedRequest, campaign: Campaign) -> list[Contact]:
    if campaign.segment is None:
        return []
    return list(members(user=request.user, segment=campaign.segment).order_by("sort_name", "id")[:CONTACTS_OFFERED])


@login_required
def campaign_preview(request: AuthedRequest, pk: Any) -> HttpResponse:
    """The campaign as a chosen member of its segment would get it, with the test send."""
    campaign = selectors.campaign_detail(request.user, pk)
    offered = _members_offered(request, campaign)
    chosen = None
    wanted = request.GET.get("contact", "")
    if wanted:
        chosen = next((c for c in offered if str(c.pk) == wanted), None)
        if chosen is None:
            chosen = visible_contacts(request.user).filter(pk=wanted).first()
    language = request.GET.get("language", "")
    context: dict[str, Any] = {
        "campaign": campaign,
        "offered": offered,
        "chosen": chosen,
        "language": language,
        "languages": [(c, n) for c, n in _languages() if c in campaign.versions],
        "may_change": access.can(request.user, Action.CHANGE, campaign),
    }
    try:
        context["shown"] = services.preview(actor=request.user, campaign=campaign, contact=chosen, language=language)
    except ValidationError as exc:
        context["problems"] = [m for found in message_dict(exc).values() for m in found]
    return render(request, "marketing/campaigns/preview.html", context)


@login_required
@require_POST
def campaign_test(request: AuthedRequest, pk: Any) -> HttpResponse:
    campaign = selectors.campaign_detail(request.user, pk)
    chosen = None
    if request.POST.get("contact"):
        chosen = visible_contacts(request.user).filter(pk=request.POST["contact"]).first()
    to = request.POST.get("to", "")
    try:
        services.send_test(
            actor=request.user,
            campaign=campaign,
            to=to,
            contact=chosen,
            language=request.POST.get("language", ""),
            variant=request.POST.get("variant", "a"),
        )
    except ValidationError as exc:
        for found in message_dict(exc).values():
            for problem in found:
                messages.error(request, problem)
    else:
        messages.success(request, _("A test is on its way to %(to)s.") % {"to": to})
    target = redirect("marketing:campaign-preview", pk=campaign.pk)
    if chosen is not None:
        target["Location"] += f"?contact={chosen.pk}"
    return target


@login_required
def campaign_launch(request: AuthedRequest, pk: Any) -> HttpResponse:
    """GET: the confirmation with how many will get it; POST: launch."""
    campaign = selectors.campaign_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, campaign)
    if request.method == "POST":
        try:
            version = int(request.POST.get("version") or 0) or None
            services.launch(actor=request.user, campaign=campaign, expected_version=version)
        except ValidationError as exc:
            for found in message_dict(exc).values():
                for problem in found:
                    messages.error(request, problem)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            campaign.refresh_from_db()
            if campaign.status == CampaignStatus.SCHEDULED:
                messages.success(request, _("The campaign is scheduled."))
            else:
                messages.success(request, _("The campaign is being sent."))
        return redirect("marketing:campaign-detail", pk=campaign.pk)
    context = {
        "campaign": campaign,
        "counts": services.recipient_count(actor=request.user, campaign=campaign),
        "problems": [m for found in services.launch_problems(campaign).values() for m in found],
    }
    return render(request, "marketing/campaigns/launch.html", context)


@login_required
@require_POST
def campaign_cancel(request: AuthedRequest, pk: Any) -> HttpResponse:
    campaign = selectors.campaign_detail(request.user, pk)
    try:
        services.cancel(actor=request.user, campaign=campaign)
    except ValidationError as exc:
        for found in message_dict(exc).values():
            for problem in found:
                messages.error(request, problem)
    else:
        messages.success(request, _("The campaign is cancelled."))
    return redirect("marketing:campaign-detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    campaign = selectors.campaign_detail(request.user, pk)
    try:
        services.delete_campaign(actor=request.user, campaign=campaign)
    except ValidationError as exc:
        for found in message_dict(exc).values():
            for problem in found:
                messages.error(request, problem)
        return redirect("marketing:campaign-detail", pk=campaign.pk)
    messages.success(request, _("The campaign is deleted."))
    return redirect("marketing:campaign-list")
