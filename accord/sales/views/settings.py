"""Sales settings screens, for administrators only: pipelines and their stages, lost reasons, lead
scoring, web-to-lead forms with their embed snippets, and automation rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accord.core import access
from accord.core.access import AccessDenied
from accord.core.errors import Conflict, message_dict
from accord.core.forms import apply_errors
from accord.core.htmx import is_htmx
from accord.core.requests import AuthedRequest
from accord.sales.forms.settings import (
    FIELD_LABELS,
    AutomationRuleForm,
    LostReasonForm,
    PipelineCreateForm,
    PipelineForm,
    ScorePreviewForm,
    ScoringRuleForm,
    SellerForm,
    StageForm,
    WebFormForm,
)
from accord.sales.models import WebForm
from accord.sales.selectors import settings as selectors
from accord.sales.services import admin_settings as services
from accord.sales.services import pipelines as pipeline_services
from accord.sales.services import quotes as quote_services


def _require_admin(request: HttpRequest) -> None:
    if not access.is_admin(request.user):
        raise AccessDenied()


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for problems in exc.message_dict.values():
        for problem in problems:
            messages.error(request, problem)


def _web_form_errors(form: WebFormForm, exc: ValidationError) -> None:
    """The service calls the shown fields ``fields``; the form cannot (``Form.fields`` is taken)."""
    errors = message_dict(exc)
    apply_errors(form, ValidationError({("shown_fields" if k == "fields" else k): v for k, v in errors.items()}))


def _generic_form(
    request: HttpRequest, form: Any, *, title: str, back: str, status: int = 200, delete_url: str = ""
) -> HttpResponse:
    return render(
        request,
        "sales/settings_form.html",
        {"form": form, "title": title, "back": back, "delete_url": delete_url},
        status=status,
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    counts = selectors.active_counts()
    sections = [
        {
            "url": reverse("sales:settings-pipelines"),
            "icon": "layout",
            "title": pgettext("sales pipeline", "Pipelines and stages"),
            "text": _("The steps deals move through, their order and win probability."),
            "count": counts["pipelines"],
        },
        {
            "url": reverse("sales:settings-lost-reasons"),
            "icon": "lost",
            "title": _("Lost reasons"),
            "text": _("What a rep picks when a deal is lost, for the win/loss analysis."),
            "count": counts["lost_reasons"],
        },
        {
            "url": reverse("sales:settings-scoring"),
            "icon": "target",
            "title": _("Lead scoring"),
            "text": _("Points a lead earns for its source, e-mail domain, job title and more."),
            "count": counts["scoring_rules"],
        },
        {
            "url": reverse("sales:settings-webforms"),
            "icon": "code",
            "title": _("Web forms"),
            "text": _("Forms for your website that turn visitors into leads."),
            "count": counts["web_forms"],
        },
        {
            "url": reverse("sales:settings-automation"),
            "icon": "zap",
            "title": _("Automation"),
            "text": _("Tasks and reminders created when deals enter a stage or stand still."),
            "count": counts["automation_rules"],
        },
        {
            "url": reverse("sales:settings-seller"),
            "icon": "building",
            "title": _("Seller on quotes"),
            "text": _("Your company's name, address, tax id and bank account, as quotes print them."),
            "count": None,
        },
        {
            "url": reverse("sales:product-list"),
            "icon": "package",
            "title": _("Products and price lists"),
            "text": _("The catalogue, prices per currency and special prices for groups of customers."),
            "count": None,
        },
    ]
    return render(request, "sales/settings_overview.html", {"sections": sections})


# --- pipelines and stages ---------------------------------------------------------------------------


@login_required
def pipelines(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    form = PipelineCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = pipeline_services.create_pipeline(
                actor=request.user, name=form.cleaned_data["name"], is_default=form.cleaned_data["is_default"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The pipeline was created with the usual stages; adjust them below."))
            return redirect("sales:settings-pipeline-detail", pk=pipeline.pk)
    rows = selectors.pipelines_for_settings()
    return render(
        request,
        "sales/settings_pipelines.html",
        {"pipelines": rows, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def pipeline_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    pipeline = selectors.pipeline_or_404(pk)
    rename = PipelineForm(initial={"name": pipeline.name, "version": pipeline.version})
    add = StageForm(initial={"kind": "open", "probability": 50})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "rename":
                rename = PipelineForm(request.POST)
                if not rename.is_valid():
                    raise ValidationError({})
                pipeline_services.update_pipeline(
                    actor=request.user,
                    pipeline=pipeline,
                    data={"name": rename.cleaned_data["name"]},
                    expected_version=rename.cleaned_data["version"],
                )
                messages.success(request, _("The pipeline was renamed."))
            elif action in {"default", "archive", "restore"}:
                data = {"default": {"is_default": True}, "archive": {"active": False}, "restore": {"active": True}}
                pipeline_services.update_pipeline(actor=request.user, pipeline=pipeline, data=data[action])
                messages.success(request, _("The pipeline was saved."))
            elif action == "add_stage":
                add = StageForm(request.POST)
                if not add.is_valid():
                    raise ValidationError({})
                pipeline_services.add_stage(
                    actor=request.user,
                    pipeline=pipeline,
                    data={k: add.cleaned_data[k] for k in ("name", "probability", "kind")},
                )
                messages.success(request, _("The stage was added."))
            else:
                raise ValidationError({"action": [_("Unknown action.")]})
        except Conflict as exc:
            messages.error(request, exc.message)
            status = 409
        except ValidationError as exc:
            status = 422
            target = rename if action == "rename" else add
            if action in {"rename", "add_stage"}:
                apply_errors(target, exc)
            else:
                _flash_errors(request, exc)
                return redirect("sales:settings-pipeline-detail", pk=pipeline.pk)
        else:
            return redirect("sales:settings-pipeline-detail", pk=pipeline.pk)
        pipeline.refresh_from_db()
    stages = list(pipeline.stages.annotate(deal_count=Count("deals")).order_by("position"))
    return render(
        request,
        "sales/settings_pipeline_detail.html",
        {"pipeline": pipeline, "stages": stages, "rename": rename, "add": add},
        status=status,
    )


@login_required
@require_POST
def stage_reorder(request: AuthedRequest, pk: Any) -> HttpResponse:
    """The order after a drag: every stage id of the pipeline, in order (``order`` repeated)."""
    _require_admin(request)
    pipeline = selectors.pipeline_or_404(pk)
    try:
        pipeline_services.reorder_stages(actor=request.user, pipeline=pipeline, order=request.POST.getlist("order"))
    except ValidationError as exc:
        if is_htmx(request) or request.headers.get("X-Requested-With") == "fetch":
            return HttpResponse(" ".join(exc.messages), status=422)
        _flash_errors(request, exc)
    if is_htmx(request) or request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    return redirect("sales:settings-pipeline-detail", pk=pipeline.pk)


@login_required
@require_POST
def stage_move(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Up/down buttons: the keyboard's way to reorder."""
    _require_admin(request)
    stage = selectors.stage_or_404(pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    pipeline_services.move_stage(actor=request.user, stage=stage, offset=offset)
    return redirect(f"{reverse('sales:settings-pipeline-detail', args=[stage.pipeline_id])}#stage-{stage.pk}")


@login_required
def stage_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    stage = selectors.stage_or_404(pk)
    back = reverse("sales:settings-pipeline-detail", args=[stage.pipeline_id])
    form = StageForm(request.POST or None, initial=StageForm.initial_for(stage))
    if request.method == "POST" and form.is_valid():
        try:
            pipeline_services.update_stage(
                actor=request.user,
                stage=stage,
                data={k: form.cleaned_data[k] for k in ("name", "probability", "kind")},
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The stage was saved."))
            return redirect(back)
    title = _("Stage %(stage)s of %(pipeline)s") % {"stage": stage.name, "pipeline": stage.pipeline.name}
    return _generic_form(
        request,
        form,
        title=title,
        back=back,
        status=422 if form.errors else 200,
        delete_url=reverse("sales:settings-stage-delete", args=[stage.pk]),
    )


@login_required
@require_POST
def stage_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    stage = selectors.stage_or_404(pk)
    try:
        pipeline_services.delete_stage(actor=request.user, stage=stage)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("The stage was removed."))
    return redirect("sales:settings-pipeline-detail", pk=stage.pipeline_id)


# --- lost reasons -----------------------------------------------------------------------------------


@login_required
def lost_reasons(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    form = LostReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_lost_reason(
                actor=request.user,
                reason=None,
                data={"name": form.cleaned_data["name"], "active": form.cleaned_data["active"]},
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The reason was added."))
            return redirect("sales:settings-lost-reasons")
    reasons = selectors.lost_reasons_for_settings()
    return render(
        request,
        "sales/settings_lost_reasons.html",
        {"reasons": reasons, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def lost_reason_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    reason = selectors.lost_reason_or_404(pk)
    form = LostReasonForm(request.POST or None, initial=LostReasonForm.initial_for(reason))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_lost_reason(
                actor=request.user,
                reason=reason,
                data={"name": form.cleaned_data["name"], "active": form.cleaned_data["active"]},
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The reason was saved."))
            return redirect("sales:settings-lost-reasons")
    return _generic_form(
        request,
        form,
        title=_("Lost reason %(name)s") % {"name": reason.name},
        back=reverse("sales:settings-lost-reasons"),
        status=422 if form.errors else 200,
        delete_url=reverse("sales:settings-lost-reason-delete", args=[reason.pk]),
    )


@login_required
@require_POST
def lost_reason_move(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    reason = selectors.lost_reason_or_404(pk)
    services.move_lost_reason(
        actor=request.user, reason=reason, offset=-1 if request.POST.get("direction") == "up" else 1
    )
    return redirect(f"{reverse('sales:settings-lost-reasons')}#reason-{reason.pk}")


@login_required
@require_POST
def lost_reason_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    reason = selectors.lost_reason_or_404(pk)
    try:
        services.delete_lost_reason(actor=request.user, reason=reason)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("The reason was deleted."))
    return redirect("sales:settings-lost-reasons")


# --- lead scoring -----------------------------------------------------------------------------------


def _rule_data(form: ScoringRuleForm) -> dict[str, Any]:
    return {k: form.cleaned_data[k] for k in ("field", "value", "points", "active")}


@login_required
def scoring(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    form = ScoringRuleForm(request.POST or None, initial={"active": True, "points": 10})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_scoring_rule(actor=request.user, rule=None, data=_rule_data(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The rule was added. Existing leads keep their score until they change."))
            return redirect("sales:settings-scoring")
    preview = ScorePreviewForm(request.GET if "preview" in request.GET else None)
    result = None
    if preview.is_bound and preview.is_valid():
        total, hits = services.preview_score(preview.cleaned_data)
        result = {"total": total, "hits": [rule for rule, hit in hits if hit]}
    return render(
        request,
        "sales/settings_scoring.html",
        {
            "rules": selectors.scoring_rules(order=("-active", "field", "value")),
            "form": form,
            "preview": preview,
            "result": result,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def scoring_rescore(request: AuthedRequest) -> HttpResponse:
    """Score every open lead again under today's rules (new and edited rules apply to new leads only)."""
    _require_admin(request)
    changed = services.rescore_leads(actor=request.user)
    messages.success(request, _("Leads were scored again: %(count)s changed.") % {"count": changed})
    return redirect("sales:settings-scoring")


@login_required
def scoring_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    rule = selectors.scoring_rule_or_404(pk)
    form = ScoringRuleForm(request.POST or None, initial=ScoringRuleForm.initial_for(rule))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_scoring_rule(
                actor=request.user, rule=rule, data=_rule_data(form), expected_version=form.cleaned_data["version"]
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("sales:settings-scoring")
    return _generic_form(
        request,
        form,
        title=_("Scoring rule"),
        back=reverse("sales:settings-scoring"),
        status=422 if form.errors else 200,
        delete_url=reverse("sales:settings-scoring-delete", args=[rule.pk]),
    )


@login_required
@require_POST
def scoring_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    services.delete_scoring_rule(actor=request.user, rule=selectors.scoring_rule_or_404(pk))
    messages.success(request, _("The rule was deleted."))
    return redirect("sales:settings-scoring")


# --- web forms --------------------------------------------------------------------------------------


def embed_snippets(request: HttpRequest, form: WebForm) -> dict[str, str]:
    """What a company pastes on its website: a plain HTML form posting to the public endpoint, and
    an iframe showing the hosted form."""
    action = request.build_absolute_uri(reverse("sales:webform-submit", args=[form.key]))
    fields = [(name, FIELD_LABELS[name]) for name in services.shown_fields(form)]
    html = render_to_string("sales/_settings_embed_form.html", {"form": form, "action": action, "fields": fields})
    iframe = render_to_string("sales/_settings_embed_iframe.html", {"form": form, "action": action})
    return {"html": html.strip(), "iframe": iframe.strip(), "action": action}


@login_required
def webforms(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    form = WebFormForm(request.POST or None, initial=WebFormForm.initial_for(None, request.user))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.save_web_form(actor=request.user, form=None, data=form.web_form_data())
        except ValidationError as exc:
            _web_form_errors(form, exc)
        else:
            messages.success(request, _("The form was created: paste its snippet on your website."))
            return redirect("sales:settings-webform-detail", pk=created.pk)
    rows = selectors.web_forms_for_settings()
    return render(
        request,
        "sales/settings_webforms.html",
        {"forms": rows, "form": form, "creating": request.method == "POST"},
        status=422 if form.errors else 200,
    )


@login_required
def webform_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    web_form = selectors.web_form_or_404(pk)
    form = WebFormForm(request.POST or None, initial=WebFormForm.initial_for(web_form, request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_web_form(
                actor=request.user,
                form=web_form,
                data=form.web_form_data(),
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            _web_form_errors(form, exc)
        else:
            messages.success(request, _("The form was saved."))
            return redirect("sales:settings-webform-detail", pk=web_form.pk)
        web_form.refresh_from_db()
    return render(
        request,
        "sales/settings_webform_detail.html",
        {
            "web_form": web_form,
            "form": form,
            "snippets": embed_snippets(request, web_form),
            "lead_count": web_form.leads.count(),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def webform_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    services.delete_web_form(actor=request.user, form=selectors.web_form_or_404(pk))
    messages.success(request, _("The form was deleted; its leads stay."))
    return redirect("sales:settings-webforms")


# --- automation rules -------------------------------------------------------------------------------


@login_required
def automation(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    rules = selectors.automation_rules(for_settings=True)
    return render(request, "sales/settings_automation.html", {"rules": rules})


@login_required
def automation_edit(request: AuthedRequest, pk: Any = None) -> HttpResponse:
    _require_admin(request)
    rule = selectors.automation_rule_or_404(pk) if pk else None
    form = AutomationRuleForm(request.POST or None, initial=AutomationRuleForm.initial_for(rule))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_automation_rule(
                actor=request.user,
                rule=rule,
                data=form.rule_data(),
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("sales:settings-automation")
    return render(
        request,
        "sales/settings_automation_form.html",
        {"form": form, "rule": rule},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def automation_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    services.delete_automation_rule(actor=request.user, rule=selectors.automation_rule_or_404(pk))
    messages.success(request, _("The rule was deleted."))
    return redirect("sales:settings-automation")


# --- the seller's details on quotes ------------------------------------------------------------------


@login_required
def seller(request: AuthedRequest) -> HttpResponse:
    """The selling company's details new quotes print; until saved, the environment's."""
    _require_admin(request)
    stored = selectors.seller_details()
    initial: dict[str, Any] = {**quote_services.seller_details(), "version": stored.version if stored else None}
    form = SellerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {key: form.cleaned_data[key] for key in services.SELLER_FIELDS}
        try:
            services.save_seller_details(actor=request.user, data=data, expected_version=form.cleaned_data["version"])
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The seller's details were saved; new quotes print them."))
            return redirect("sales:settings-seller")
    return _generic_form(
        request,
        form,
        title=_("Seller on quotes"),
        back=reverse("sales:settings"),
        status=422 if form.errors else 200,
    )
