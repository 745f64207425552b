"""Deal screens: the board (kanban) per pipeline, the list with its export, a deal's page with its
product lines, stage history and timeline, and the deal form."""

from __future__ import annotations

import decimal
import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.activities import selectors as activity_selectors
from accord.activities import services as activities
from accord.activities.forms import InteractionForm
from accord.activities.models import InteractionChannel
from accord.core import access, exports, lists
from accord.core import selectors as core_selectors
from accord.core.access import AccessDenied, Action
from accord.core.errors import Conflict
from accord.core.forms import apply_errors
from accord.core.htmx import is_htmx
from accord.core.listing import ListQuery, parse
from accord.core.money import format_money
from accord.core.redirects import safe_path
from accord.core.requests import AuthedRequest
from accord.core.templatetags.accord import icon
from accord.identity.selectors import active_users, assignable_users, team_choices, territory_choices
from accord.people.models import Company, Contact
from accord.sales import selectors
from accord.sales.forms.deals import DealForm, LineForm, LoseForm, line_as_input
from accord.sales.models import AmountSource, Deal, DealStatus, Pipeline, Stage, StageKind
from accord.sales.selectors import board as board_selectors
from accord.sales.selectors import deals as deal_selectors
from accord.sales.selectors import products as product_selectors
from accord.sales.selectors import settings as settings_selectors
from accord.sales.services import deals as services
from accord.sales.services.lines import totals as line_totals
from accord.sales.services.pricing import price_for


def _flat(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in params.items() for v in values]


def _version(raw: Any) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _wants_fragment(request: HttpRequest) -> bool:
    """A request from the board's script or HTMX: answer with a fragment or JSON, not a redirect."""
    return is_htmx(request) or request.headers.get("X-Requested-With") == "fetch"


def _back(request: HttpRequest, deal: Deal | None = None) -> str:
    fallback = reverse("sales:deal-detail", args=[deal.pk]) if deal is not None else reverse("sales:board")
    return safe_path(request.POST.get("next") or request.GET.get("next"), fallback)


def _filter_choices() -> dict[str, Any]:
    return {
        "owners": active_users(),
        "teams": team_choices(),
        "territories": territory_choices(),
    }


def _messages_of(exc: ValidationError) -> list[str]:
    return (
        [m for problems in exc.message_dict.values() for m in problems] if hasattr(exc, "error_dict") else exc.messages
    )


# --- the board --------------------------------------------------------------------------------------


def _pipeline(pk: Any) -> Pipeline:
    if pk is None:
        try:
            return services.default_pipeline()
        except ValidationError as exc:
            raise Http404 from exc
    return settings_selectors.pipeline_or_404(pk)


class CardRenderer:
    """Renders board cards. A board shows up to a few hundred cards, and through the template engine
    they were most of the page's time; a card is plain markup, so it is built here in one pass,
    every value escaped. Shared pieces (stage options, icons, labels) are built once per response."""

    def __init__(
        self, request: HttpRequest, stages: list[Stage], *, can_change: bool, next_path: str = "", user: Any = None
    ) -> None:
        self.base = reverse("sales:deal-list")
        self.today = timezone.localdate()
        self.can_change = can_change
        # With ``user``, each card asks the policy whether that user may move it (a role may
        # change only its own deals); without, ``can_change`` answers for every card.
        self.user = user
        # A role that may not see amounts gets cards without them.
        self.amounts = access.sees_amounts(request.user)
        self.csrf = escape(get_token(request))
        self.next_path = escape(next_path or request.get_full_path())
        self.move_label = escape(_("Move to stage"))
        self.move_button = escape(_("Move"))
        self.icons = {name: icon(name) for name in ("building", "calendar", "chevron-right", "grip")}
        self.options = {
            current.pk: "".join(
                '<option value="{}"{}>{}{}</option>'.format(
                    s.pk,
                    " selected" if s.pk == current.pk else "",
                    {StageKind.WON: "✓ ", StageKind.LOST: "✕ "}.get(s.kind, ""),  # type: ignore[call-overload]
                    escape(s.label),
                )
                for s in stages
            )
            for current in stages
        }

    def render(self, deal: Deal, *, moved: bool = False) -> str:
        movable = self.can_change and (self.user is None or access.can(self.user, Action.CHANGE, deal))
        name = escape(deal.name)
        url = f"{self.base}{deal.pk}/"
        parts = [
            f'<li class="deal-card{" deal-card-moved" if moved else ""}{"" if movable else " deal-card-locked"}" '
            f'id="deal-{deal.pk}" data-deal="{deal.pk}" '
            f'data-version="{deal.version}" data-stage="{deal.stage_id}" data-move-url="{url}move/">'
            f'<div class="deal-card-head"><a class="deal-card-name" href="{url}">{name}</a>'
        ]
        if movable:
            parts.append(f'<span class="deal-card-grip" aria-hidden="true">{self.icons["grip"]}</span>')
        parts.append("</div>")
        if deal.company is not None:
            parts.append(
                f'<div class="deal-card-company">{self.icons["building"]}<span>{escape(deal.company.name)}</span></div>'
            )
        parts.append('<div class="deal-card-meta">')
        if self.amounts:
            amount = escape(format_money(deal.amount, deal.currency, decimals=0))
            parts.append(f'<strong class="deal-card-amount">{amount}</strong>')
        if deal.expected_close:
            overdue = " overdue" if deal.expected_close < self.today else ""
            day = date_format(deal.expected_close, "j M")
            parts.append(f'<span class="deal-card-close{overdue}">{self.icons["calendar"]}{day}</span>')
        owner = deal.owner
        parts.append(
            f'<span class="avatar avatar-sm" title="{escape(owner)}">{escape(owner.initials)}</span></div>'
            if owner is not None
            else "</div>"
        )
        if deal.next_step:
            parts.append(
                f'<div class="deal-card-next small muted">{self.icons["chevron-right"]}{escape(deal.next_step)}</div>'
            )
        if movable:
            parts.append(
                f'<form class="deal-card-move" method="post" action="{url}move/" data-move-form>'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf}">'
                f'<input type="hidden" name="version" value="{deal.version}">'
                f'<input type="hidden" name="next" value="{self.next_path}">'
                f'<select name="stage" aria-label="{self.move_label}: {name}">'
                f"{self.options.get(deal.stage_id, '')}</select>"
                f'<button class="btn btn-sm" type="submit">{self.move_button}</button></form>'
            )
        parts.append("</li>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def attach(self, deals: Any) -> None:
        for deal in deals:
            deal.card_html = self.render(deal)


def _board_query(request: HttpRequest) -> ListQuery:
    return parse(
        selectors.DEAL_LIST,
        request.GET,
        strict=False,
        default_limit=board_selectors.CARDS_PER_COLUMN,
        user=request.user,
    )


@login_required
def board(request: HttpRequest, pipeline: Any = None) -> HttpResponse:
    current = _pipeline(pipeline)
    query = _board_query(request)
    the_board = board_selectors.board(request.user, current, query)
    filters = board_selectors.board_query(query).raw
    cards = CardRenderer(request, the_board.stages, can_change=access.can_edit_any(request.user), user=request.user)
    cards.attach(d for c in the_board.columns if c.page for d in c.page.items)
    return render(
        request,
        "sales/board.html",
        {
            "board": the_board,
            "pipeline": current,
            "pipelines": settings_selectors.pipelines(active=True),
            "query": query,
            "filter_string": urlencode(_flat(filters)),
            "is_filtered": bool(filters),
            "lost_reasons": settings_selectors.lost_reasons(active=True),
            "can_change": access.can_edit_any(request.user),
            **_filter_choices(),
        },
    )


@login_required
def board_column(request: HttpRequest, pipeline: Any, stage: Any) -> HttpResponse:
    """The next page of a column's cards ("show more")."""
    current = _pipeline(pipeline)
    column_stage = settings_selectors.stage_or_404(stage, pipeline=current)
    query = _board_query(request)
    page = board_selectors.column_page(request.user, current, column_stage, query, cursor=request.GET.get("cursor", ""))
    filters = board_selectors.board_query(query).raw
    cards = CardRenderer(
        request,
        settings_selectors.stages_of(current),
        can_change=access.can_edit_any(request.user),
        user=request.user,
    )
    cards.attach(page.items)
    return render(
        request,
        "sales/_board_cards.html",
        {
            "page": page,
            "stage": column_stage,
            "pipeline": current,
            "filter_string": urlencode(_flat(filters)),
            "can_change": access.can_edit_any(request.user),
        },
    )


@login_required
def board_totals(request: HttpRequest, pipeline: Any) -> HttpResponse:
    """Every column's count and sums, as out-of-band swaps (after a card moved)."""
    current = _pipeline(pipeline)
    the_board = board_selectors.board(request.user, current, _board_query(request), with_cards=False)
    return render(request, "sales/_board_totals.html", {"board": the_board, "oob": True})


# --- moving a deal ----------------------------------------------------------------------------------


def _move_error(request: HttpRequest, deal: Deal, message: str, status: int, **extra: Any) -> HttpResponse:
    if _wants_fragment(request):
        return JsonResponse({"message": message, **extra}, status=status)
    messages.error(request, message)
    return redirect(_back(request, deal))


@login_required
@require_POST
def deal_move(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Move a deal to another stage (drag and drop, the "Move to stage" select, the stage bar)."""
    deal = deal_selectors.deal_for(request.user, pk)
    stages = settings_selectors.stages_of(deal.pipeline_id)
    wanted = _uuid_or_none(request.POST.get("stage"))
    stage = next((s for s in stages if s.pk == wanted), None)
    if stage is None:
        return _move_error(request, deal, _("Choose a stage of this deal's pipeline."), 422)
    reason = None
    if request.POST.get("lost_reason"):
        reason = settings_selectors.find_lost_reason(_uuid_or_none(request.POST["lost_reason"]), active=True)
    if stage.kind == StageKind.LOST and reason is None:
        return _move_error(
            request, deal, _("Say why the deal was lost."), 422, errors={"lost_reason": [_("Choose a reason.")]}
        )
    try:
        moved = services.move_deal(
            actor=request.user,
            deal=deal,
            stage=stage,
            lost_reason=reason,
            lost_note=request.POST.get("lost_note", "")[:300],
            expected_version=_version(request.POST.get("version")),
        )
    except Conflict:
        return _move_error(
            request,
            deal,
            _("Someone else changed this deal a moment ago; it is back where it was. Reload to see the change."),
            409,
        )
    except AccessDenied:
        return _move_error(request, deal, _("You may not move this deal."), 403)
    except ValidationError as exc:
        return _move_error(request, deal, " ".join(_messages_of(exc)), 422)
    if _wants_fragment(request):
        moved = board_selectors.card(request.user, moved.pk)
        renderer = CardRenderer(
            request, stages, can_change=True, next_path=reverse("sales:board", args=[moved.pipeline_id])
        )
        response = HttpResponse(renderer.render(moved, moved=True))
        response["X-Deal-Stage"] = str(moved.stage_id)
        response["X-Deal-Status"] = moved.status
        return response
    messages.success(request, _("%(deal)s is now in %(stage)s.") % {"deal": moved, "stage": stage})
    return redirect(_back(request, moved))


def _uuid_or_none(raw: Any) -> Any:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def deal_win(request: AuthedRequest, pk: Any) -> HttpResponse:
    deal = deal_selectors.deal_for(request.user, pk, related=("pipeline",))
    try:
        services.win_deal(actor=request.user, deal=deal, expected_version=_version(request.POST.get("version")))
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for problem in _messages_of(exc):
            messages.error(request, problem)
    else:
        messages.success(request, _("Won. Well done!"))
    return redirect("sales:deal-detail", pk=deal.pk)


@login_required
def deal_lose(request: AuthedRequest, pk: Any) -> HttpResponse:
    deal = deal_selectors.deal_page_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, deal)
    form = LoseForm(request.POST or None, initial={"version": deal.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.lose_deal(
                actor=request.user,
                deal=deal,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The deal was marked as lost."))
            return redirect("sales:deal-detail", pk=deal.pk)
    return render(request, "sales/deal_lose.html", {"deal": deal, "form": form}, status=422 if form.errors else 200)


# --- the list and its export ------------------------------------------------------------------------


def _list_query(request: HttpRequest) -> ListQuery:
    return parse(
        selectors.DEAL_LIST,
        request.GET,
        strict=False,
        default_limit=settings.ACCORD_PAGE_SIZE,
        max_limit=200,
        user=request.user,
    )


def _query_string(query: ListQuery, **overrides: Any) -> str:
    params = dict(query.raw)
    for key, value in overrides.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = [value]
    return urlencode(_flat(params))


@login_required
def deal_list(request: HttpRequest) -> HttpResponse:
    query = _list_query(request)
    page = deal_selectors.deal_list_page(request.user, query)
    total = deal_selectors.deal_total(request.user, query, exact=request.GET.get("total") == "exact", page=page)
    htmx = is_htmx(request)
    return render(
        request,
        # Filters apply as they change: htmx asks for the rows alone, and the count, export links
        # and saved views in the page's head follow out of band.
        "sales/deal_list.html#results" if htmx else "sales/deal_list.html",
        {
            **lists.context(request, lists.get("deal"), query, total=total, oob=htmx),
            "total_out_of_band": htmx,
            "page": page,
            "query": query,
            "statuses": DealStatus.choices,
            "pipelines": settings_selectors.pipelines(),
            "stages": settings_selectors.all_stages(),
            "sort_links": {
                s.name: _query_string(
                    query, sort=("-" + s.name if query.sort == s.name else s.name), cursor=None, before=None
                )
                for s in selectors.DEAL_LIST.sorts
            },
            "next_link": _query_string(query, cursor=page.next_cursor, before=None) if page.next_cursor else "",
            "prev_link": _query_string(query, before=page.prev_cursor, cursor=None) if page.prev_cursor else "",
            **_filter_choices(),
        },
    )


@login_required
def deal_export(request: HttpRequest) -> HttpResponseBase:
    if not access.can_export(request.user):
        raise AccessDenied()
    query = _list_query(request)
    return exports.download(
        request,
        deal_selectors.deal_columns(request.user),
        deal_selectors.deals_for_export(request.user, query),
        "deals",
    )


# --- a deal's page ------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, deal: Deal, **extra: Any) -> dict[str, Any]:
    lines = list(deal.lines.all())
    stages = settings_selectors.stages_of(deal.pipeline_id)
    contacts = deal_selectors.deal_contacts(request.user, deal)
    can_change = access.can(request.user, Action.CHANGE, deal)
    current = next((s for s in stages if s.pk == deal.stage_id), deal.stage)
    summary = line_totals(lines)
    return {
        "deal": deal,
        "lines": lines,
        "totals": summary,
        # A typed amount that differs from the lines: offer to take their total instead.
        "offer_lines_total": bool(lines)
        and deal.amount_source == AmountSource.MANUAL
        and deal.amount != summary.net
        and can_change,
        "stages": stages,
        "open_stages": [s for s in stages if s.kind == StageKind.OPEN],
        "current_stage": current,
        "history": deal_selectors.stage_history(deal),
        "interactions": activity_selectors.interactions_about(request.user, deal),
        "contacts": contacts,
        "can_change": can_change,
        "can_delete": access.can(request.user, Action.DELETE, deal),
        "can_log": access.can_create(request.user) and bool(deal.company_id or contacts),
        "lose_form": LoseForm(initial={"version": deal.version}),
        "line_form": extra.pop("line_form", None) or LineForm(initial={"version": deal.version, "quantity": 1}),
        "log_form": extra.pop("log_form", None)
        or InteractionForm(initial={"channel": InteractionChannel.PHONE, "direction": "out"}),
        **extra,
    }


@login_required
def deal_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    deal = deal_selectors.deal_page_detail(request.user, pk)
    return render(request, "sales/deal_detail.html", _detail_context(request, deal))


@login_required
def deal_history(request: HttpRequest, pk: Any) -> HttpResponse:
    deal = deal_selectors.deal_for(request.user, pk)
    rows = core_selectors.history(request.user, deal)
    return render(request, "core/_history.html", {"history_rows": rows, "obj": deal})


# --- create, edit, delete -------------------------------------------------------------------------------


def _company_for(request: HttpRequest, raw: Any) -> Company | None:
    if not raw:
        return None
    company = core_selectors.find_visible(request.user, Company, raw)
    if company is None:
        raise ValidationError({"company": [_("No such company.")]})
    return company


@login_required
def deal_form(request: AuthedRequest, pk: Any = None) -> HttpResponse:
    deal = deal_selectors.deal_page_detail(request.user, pk) if pk else None
    if deal is None:
        access.require_create(request.user)
    else:
        access.require(request.user, Action.CHANGE, deal)
    assignable = assignable_users(request.user)
    if request.method == "POST":
        form = DealForm(
            request.POST, assignable=assignable, creating=deal is None, amounts=access.sees_amounts(request.user)
        )
        if form.is_valid():
            try:
                company = _company_for(request, form.cleaned_data.get("company"))
                has_lines = deal is not None and bool(deal.lines.all())
                data = form.deal_data(company, has_lines=has_lines)
                if deal is None:
                    contact = _contact_from(request, request.POST.get("contact"))
                    if contact is not None:
                        data["contacts"] = [contact]
                    stage = form.cleaned_data.get("stage")
                    deal = services.create_deal(
                        actor=request.user, data=data, pipeline=form.cleaned_data.get("pipeline"), stage=stage
                    )
                    messages.success(request, _("The deal was created."))
                else:
                    services.update_deal(
                        actor=request.user, deal=deal, data=data, expected_version=form.cleaned_data["version"]
                    )
                    messages.success(request, _("The deal was saved."))
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                assert deal is not None
                return redirect("sales:deal-detail", pk=deal.pk)
    else:
        initial = DealForm.initial_for(deal, request.user)
        if deal is None:
            company = core_selectors.find_visible(request.user, Company, _uuid_or_none(request.GET.get("company")))
            if company is not None:
                initial.update(company=company.pk, company_name=company.name, name=company.name)
            initial["pipeline"] = _uuid_or_none(request.GET.get("pipeline"))
        form = DealForm(
            initial=initial, assignable=assignable, creating=deal is None, amounts=access.sees_amounts(request.user)
        )
    contact = (
        _contact_from(request, request.POST.get("contact") or request.GET.get("contact")) if deal is None else None
    )
    lines = list(deal.lines.all()) if deal is not None else []
    return render(
        request,
        "sales/deal_form.html",
        {"form": form, "deal": deal, "contact": contact, "lines_total": line_totals(lines).net if lines else None},
        status=422 if form.errors else 200,
    )


def _contact_from(request: HttpRequest, raw: Any) -> Contact | None:
    pk = _uuid_or_none(raw)
    return core_selectors.find_visible(request.user, Contact, pk) if pk else None


@login_required
@require_POST
def deal_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    deal = deal_selectors.deal_for(request.user, pk)
    try:
        services.delete_deal(actor=request.user, deal=deal, expected_version=_version(request.POST.get("version")))
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("sales:deal-detail", pk=deal.pk)
    messages.success(request, _("The deal was deleted."))
    return redirect("sales:board")


# --- product lines ------------------------------------------------------------------------------------------


def _save_lines(request: AuthedRequest, deal: Deal, lines: list[dict[str, Any]], version: int | None) -> str | None:
    """Write the deal's lines; the error to show, if any."""
    try:
        services.update_deal(actor=request.user, deal=deal, data={"lines": lines}, expected_version=version)
    except Conflict as exc:
        return exc.message
    except ValidationError as exc:
        return " ".join(_messages_of(exc))
    return None


@login_required
def line_form(request: AuthedRequest, pk: Any, index: int | None = None) -> HttpResponse:
    """Add a line (``index`` None) or change one; GET shows the form on its own page."""
    deal = deal_selectors.deal_page_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, deal)
    if not access.sees_amounts(request.user):
        # A line is priced; the form would show the price (and saving it is refused by the service).
        raise AccessDenied(str(access.amounts_refused(["lines"])["lines"][0]))
    lines = list(deal.lines.all())
    if index is not None and not 0 <= index < len(lines):
        raise Http404
    if request.method == "POST":
        form = LineForm(request.POST)
        if form.is_valid():
            inputs = [line_as_input(line) for line in lines]
            if index is None:
                inputs.append(form.line_data())
            else:
                inputs[index] = form.line_data()
            try:
                saved = services.update_deal(
                    actor=request.user, deal=deal, data={"lines": inputs}, expected_version=form.cleaned_data["version"]
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                position = len(lines) if index is None else index
                for key, problems in exc.message_dict.items():
                    name = key.rsplit(".", 1)[-1] if key.startswith(f"lines.{position}.") else None
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            else:
                messages.success(request, _("The line was saved."))
                if not lines and saved.amount_source == AmountSource.MANUAL:
                    total = services.lines_total(saved)
                    if total != saved.amount:
                        messages.info(
                            request,
                            _(
                                "The deal's amount stays %(amount)s as typed; its lines add up to %(total)s. "
                                "Use the lines' total if that is what the deal is worth."
                            )
                            % {"amount": _money(saved.amount, saved.currency), "total": _money(total, saved.currency)},
                        )
                return redirect(reverse("sales:deal-detail", args=[deal.pk]) + "#lines")
    elif index is not None:
        line = lines[index]
        form = LineForm(
            initial={
                "product": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
                "vat_rate": line.vat_rate,
                "version": deal.version,
            }
        )
    else:
        form = LineForm(initial={"version": deal.version, "quantity": 1})
    return render(
        request,
        "sales/deal_line_form.html",
        {"deal": deal, "form": form, "index": index},
        status=422 if form.errors else 200,
    )


def _money(amount: decimal.Decimal, currency: str) -> str:
    return format_money(amount, currency)


@login_required
@require_POST
def deal_amount_from_lines(request: AuthedRequest, pk: Any) -> HttpResponse:
    """ "Use the lines' total": the deal's amount follows its product lines from now on."""
    deal = deal_selectors.deal_page_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, deal)
    try:
        saved = services.update_deal(
            actor=request.user,
            deal=deal,
            data={"amount_source": AmountSource.LINES},
            expected_version=_version(request.POST.get("version")),
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for problem in _messages_of(exc):
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("The deal's amount is now its lines' total, %(total)s, and follows them.")
            % {"total": _money(saved.amount, saved.currency)},
        )
    return redirect(reverse("sales:deal-detail", args=[deal.pk]) + "#lines")


@login_required
@require_POST
def line_remove(request: AuthedRequest, pk: Any, index: int) -> HttpResponse:
    deal = deal_selectors.deal_page_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, deal)
    lines = list(deal.lines.all())
    if not 0 <= index < len(lines):
        raise Http404
    inputs = [line_as_input(line) for i, line in enumerate(lines) if i != index]
    problem = _save_lines(request, deal, inputs, _version(request.POST.get("version")))
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("The line was removed."))
    return redirect(reverse("sales:deal-detail", args=[deal.pk]) + "#lines")


@login_required
def line_price(request: HttpRequest, pk: Any) -> HttpResponse:
    """The price, VAT rate and description a chosen product brings to the line form (the product
    picker fills them in; the user may still change them)."""
    deal = deal_selectors.deal_for(request.user, pk, related=("company",))
    product = product_selectors.find_product(_uuid_or_none(request.GET.get("product")), active=True)
    price: decimal.Decimal | None = None
    if product is not None:
        price = price_for(product, deal.currency, deal.company)
    return JsonResponse(
        {
            "unit_price": str(price) if price is not None else "",
            "vat_rate": str(product.vat_rate) if product is not None else "",
            "description": product.name if product is not None else "",
            "currency": deal.currency,
        }
    )


# --- logging a call on the deal ----------------------------------------------------------------------------


@login_required
@require_POST
def deal_log(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Log an interaction about this deal, on the timeline of its company (or first contact)."""
    deal = deal_selectors.deal_page_detail(request.user, pk)
    # Only contacts the user may see: logging on one out of sight would add to a timeline they
    # cannot open.
    contacts = deal_selectors.deal_contacts(request.user, deal)
    party: Any = deal.company or (contacts[0] if contacts else None)
    if party is None:
        messages.error(request, _("Link a company or a contact to the deal first."))
        return redirect("sales:deal-detail", pk=deal.pk)
    form = InteractionForm(request.POST)
    if form.is_valid():
        data: dict[str, Any] = form.interaction_data()
        data["company" if isinstance(party, Company) else "contact"] = party
        if isinstance(party, Company) and contacts:
            data["contact"] = contacts[0]
        try:
            logged = activities.log_interaction(
                actor=request.user, data=activities.interaction_data(data), related=deal
            )
        except ValidationError as exc:
            form.apply_errors(exc)
        else:
            services.touch_activity([deal.pk], logged.occurred_at)
            messages.success(request, _("Logged."))
            return redirect(reverse("sales:deal-detail", args=[deal.pk]) + "#timeline")
    return render(request, "sales/deal_detail.html", _detail_context(request, deal, log_form=form), status=422)
