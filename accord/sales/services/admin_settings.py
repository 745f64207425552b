"""Sales settings kept by administrators: lost reasons, lead scoring rules, web-to-lead forms and
automation rules. Each change is one transaction with its audit entry and event."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.core.errors import check_version
from accord.sales.models import (
    AutomationRule,
    Lead,
    LeadSource,
    LostReason,
    RuleAction,
    RuleTrigger,
    ScoringRule,
    SellerDetails,
    WebForm,
)
from accord.sales.services import leads as lead_services

if TYPE_CHECKING:
    from accord.identity.models import User

M = TypeVar("M", bound=models.Model)

# The visitor fields a web form can show, in the order the public form shows them.
WEBFORM_FIELDS = WebForm.ALL_FIELDS
DEFAULT_WEBFORM_FIELDS = WebForm.STANDARD_FIELDS

LOST_REASON_FIELDS = ("name", "position", "active")
SCORING_FIELDS = ("field", "value", "points", "active")
WEBFORM_WRITABLE = (
    "name",
    "source",
    "consent_text",
    "success_message",
    "redirect_url",
    "owner",
    "team",
    "active",
    "hourly_limit",
    "fields",
    "allowed_origin",
)
AUTOMATION_FIELDS = (
    "name",
    "trigger",
    "pipeline",
    "stage",
    "idle_days",
    "action",
    "task_title",
    "due_in_days",
    "active",
)


def require_admin(actor: User | None) -> None:
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied()


Check = Callable[[Any, Mapping[str, Any], dict[str, list[str]]], None]


def _save(
    *,
    actor: User | None,
    model: type[M],
    obj: M | None,
    data: Mapping[str, Any],
    fields: Sequence[str],
    check: Check | None = None,
    expected_version: int | None = None,
) -> M:
    """Create (``obj`` None) or change a settings record: validate everything, then write once."""
    require_admin(actor)
    creating = obj is None
    target: Any = model() if obj is None else model._default_manager.select_for_update().get(pk=obj.pk)
    if not creating:
        check_version(target, expected_version)
    before = None if creating else changes.snapshot(target)
    for name in fields:
        if name in data:
            value = data[name]
            setattr(target, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    try:
        target.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if check is not None:
        check(target, data, errors)
    if errors:
        raise ValidationError(errors)
    if creating:
        target.save()
        changes.record_create(actor=actor, obj=target)
        return target
    assert before is not None
    if changes.snapshot(target) == before:
        return target
    target.version += 1
    target.save()
    changes.record_update(actor=actor, obj=target, before=before)
    return target


@transaction.atomic
def _delete(*, actor: User | None, obj: models.Model, expected_version: int | None = None) -> None:
    require_admin(actor)
    locked: Any = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    check_version(locked, expected_version)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()


# --- lost reasons -----------------------------------------------------------------------------------


def _check_lost_reason(reason: LostReason, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    if reason.name and LostReason.objects.filter(name__iexact=reason.name).exclude(pk=reason.pk).exists():
        errors.setdefault("name", []).append(_("Another reason has this name."))


@transaction.atomic
def save_lost_reason(
    *, actor: User | None, reason: LostReason | None, data: Mapping[str, Any], expected_version: int | None = None
) -> LostReason:
    given = dict(data)
    if reason is None and "position" not in given:
        last = LostReason.objects.aggregate(top=models.Max("position"))["top"]
        given["position"] = 0 if last is None else last + 1
    return _save(
        actor=actor,
        model=LostReason,
        obj=reason,
        data=given,
        fields=LOST_REASON_FIELDS,
        check=_check_lost_reason,
        expected_version=expected_version,
    )


@transaction.atomic
def move_lost_reason(*, actor: User | None, reason: LostReason, offset: int) -> None:
    """Move a reason one place up (-1) or down (+1) in the list a rep picks from."""
    require_admin(actor)
    ordered = list(LostReason.objects.select_for_update().order_by("position", "name"))
    index = next(i for i, r in enumerate(ordered) if r.pk == reason.pk)
    target = max(0, min(len(ordered) - 1, index + offset))
    if target == index:
        return
    ordered.insert(target, ordered.pop(index))
    for position, row in enumerate(ordered):
        if row.position != position:
            before = changes.snapshot(row)
            row.position = position
            row.version += 1
            row.save(update_fields=["position", "version", "updated_at"])
            changes.record_update(actor=actor, obj=row, before=before)


def delete_lost_reason(*, actor: User | None, reason: LostReason, expected_version: int | None = None) -> None:
    """Remove a reason no deal was lost for; one that was used is switched off instead."""
    require_admin(actor)
    if reason.deals.exists():
        raise ValidationError(
            {"name": [_("Deals were lost for this reason; switch it off instead so their history keeps it.")]}
        )
    _delete(actor=actor, obj=reason, expected_version=expected_version)


# --- lead scoring -----------------------------------------------------------------------------------

VALUE_FIELDS = {"source", "email_domain", "job_title", "message"}


def _check_scoring(rule: ScoringRule, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    if rule.field in VALUE_FIELDS and not rule.value and "field" not in errors:
        errors.setdefault("value", []).append(_("Say what the lead's field must be or contain."))
    if rule.field == "source" and rule.value and rule.value not in LeadSource.values:
        errors.setdefault("value", []).append(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(LeadSource.values)}
        )
    if rule.field in {"has_phone", "has_company"}:
        rule.value = ""
    if isinstance(rule.points, int) and not -1000 <= rule.points <= 1000:
        errors.setdefault("points", []).append(_("Enter a number from -1000 to 1000."))


@transaction.atomic
def save_scoring_rule(
    *, actor: User | None, rule: ScoringRule | None, data: Mapping[str, Any], expected_version: int | None = None
) -> ScoringRule:
    given = dict(data)
    if isinstance(given.get("value"), str):
        given["value"] = given["value"].strip().lower()
    return _save(
        actor=actor,
        model=ScoringRule,
        obj=rule,
        data=given,
        fields=SCORING_FIELDS,
        check=_check_scoring,
        expected_version=expected_version,
    )


def delete_scoring_rule(*, actor: User | None, rule: ScoringRule, expected_version: int | None = None) -> None:
    _delete(actor=actor, obj=rule, expected_version=expected_version)


def rescore_leads(*, actor: User | None) -> int:
    """Score every open lead again after the rules changed; returns how many scores changed."""
    require_admin(actor)
    return lead_services.rescore_all()


def preview_score(sample: Mapping[str, Any]) -> tuple[int, list[tuple[ScoringRule, bool]]]:
    """What a lead with these details would score under the active rules, and which rules it meets."""
    lead = Lead(
        **{name: str(sample.get(name) or "")[:200] for name in ("job_title", "email", "phone", "company_name")},
        message=str(sample.get("message") or "")[:2000],
        source=str(sample.get("source") or LeadSource.OTHER),
    )
    lead.email = lead.email.lower()
    rules = list(ScoringRule.objects.filter(active=True))
    hits = [(rule, _meets(lead, rule)) for rule in rules]
    return lead_services.score(lead, rules), hits


def _meets(lead: Lead, rule: ScoringRule) -> bool:
    # A rule worth 0 points still "meets": score it as if it were worth one.
    probe = ScoringRule(field=rule.field, value=rule.value, points=1)
    return lead_services.score(lead, [probe]) == 1


# --- web forms --------------------------------------------------------------------------------------


def origin_of(url: str) -> str:
    """``https://www.example.com`` from anything a person might paste (a page address, a bare host)."""
    text = url.strip()
    if not text:
        return ""
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def _check_webform(form: WebForm, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    fields = form.fields or []
    if not isinstance(fields, list) or any(f not in WEBFORM_FIELDS for f in fields):
        errors.setdefault("fields", []).append(
            _("Choose fields from: %(choices)s.") % {"choices": ", ".join(WEBFORM_FIELDS)}
        )
    elif not fields:
        errors.setdefault("fields", []).append(_("Show at least one field."))
    elif not {"email", "phone"} & set(fields):
        errors.setdefault("fields", []).append(_("Show the e-mail or the phone field, or nobody can answer the lead."))
    else:
        form.fields = [f for f in WEBFORM_FIELDS if f in fields]
    if form.allowed_origin:
        origin = origin_of(form.allowed_origin)
        if not origin:
            errors.setdefault("allowed_origin", []).append(_("Enter a website address such as https://example.com."))
        else:
            form.allowed_origin = origin
    if form.hourly_limit is not None and not 1 <= form.hourly_limit <= 10000:
        errors.setdefault("hourly_limit", []).append(_("Enter a number from 1 to 10000."))
    owner = getattr(form, "owner", None) if form.owner_id else None
    if owner is not None and not owner.is_active:
        errors.setdefault("owner", []).append(_("Choose an active user."))


@transaction.atomic
def save_web_form(
    *, actor: User | None, form: WebForm | None, data: Mapping[str, Any], expected_version: int | None = None
) -> WebForm:
    given = dict(data)
    if form is None and "fields" not in given:
        given["fields"] = list(DEFAULT_WEBFORM_FIELDS)
    if form is None and given.get("owner") is None and actor is not None:
        given["owner"] = actor
    return _save(
        actor=actor,
        model=WebForm,
        obj=form,
        data=given,
        fields=WEBFORM_WRITABLE,
        check=_check_webform,
        expected_version=expected_version,
    )


def delete_web_form(*, actor: User | None, form: WebForm, expected_version: int | None = None) -> None:
    """Delete a form; its leads stay (they forget which form brought them)."""
    _delete(actor=actor, obj=form, expected_version=expected_version)


def shown_fields(form: WebForm) -> list[str]:
    return form.shown_fields


# --- automation rules -------------------------------------------------------------------------------


def _check_automation(rule: AutomationRule, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    if rule.trigger == RuleTrigger.STAGE_ENTERED:
        rule.idle_days = None
        stage = rule.stage if rule.stage_id else None
        if stage is None:
            errors.setdefault("stage", []).append(_("Choose the stage that starts the rule."))
        elif rule.pipeline_id is not None and stage.pipeline_id != rule.pipeline_id:
            errors.setdefault("stage", []).append(_("That stage belongs to another pipeline."))
        else:
            rule.pipeline_id = stage.pipeline_id
    elif rule.trigger == RuleTrigger.IDLE:
        rule.stage = None
        if rule.idle_days is None:
            errors.setdefault("idle_days", []).append(_("Say after how many days without interaction."))
        elif not 1 <= rule.idle_days <= 365:
            errors.setdefault("idle_days", []).append(_("Enter a number of days from 1 to 365."))
    if rule.due_in_days is not None and rule.due_in_days > 365:
        errors.setdefault("due_in_days", []).append(_("Enter a number of days from 0 to 365."))
    if rule.action not in RuleAction.values and "action" not in errors:
        errors["action"] = [_("Choose what the rule does.")]


@transaction.atomic
def save_automation_rule(
    *, actor: User | None, rule: AutomationRule | None, data: Mapping[str, Any], expected_version: int | None = None
) -> AutomationRule:
    return _save(
        actor=actor,
        model=AutomationRule,
        obj=rule,
        data=data,
        fields=AUTOMATION_FIELDS,
        check=_check_automation,
        expected_version=expected_version,
    )


def delete_automation_rule(*, actor: User | None, rule: AutomationRule, expected_version: int | None = None) -> None:
    _delete(actor=actor, obj=rule, expected_version=expected_version)


def origin_allowed(form: WebForm, *, origin: str, referer: str, own_origin: str) -> bool:
    """Whether a submission may come from where the browser says it comes from: the form's allowed
    website or our own hosted page. Browsers send ``Origin`` on cross-site POSTs; a request without
    it or a ``Referer`` (a server posting, a privacy setting) is let through to the other checks."""
    if not form.allowed_origin:
        return True
    sender = origin_of(origin) if origin and origin != "null" else origin_of(referer) if referer else ""
    if not sender:
        return not origin  # "Origin: null" (a sandboxed frame, a file) is refused
    return sender in {form.allowed_origin, origin_of(own_origin)}


# --- the seller's details on quotes ------------------------------------------------------------------

SELLER_FIELDS = ("name", "address", "tax_id", "email", "phone", "bank_account")


def _check_seller(details: SellerDetails, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    if not details.name:
        errors.setdefault("name", []).append(_("Enter the company's name: every quote prints it."))


@transaction.atomic
def save_seller_details(
    *, actor: User | None, data: Mapping[str, Any], expected_version: int | None = None
) -> SellerDetails:
    """Keep the selling company's details that new quotes print (the first save replaces the
    environment's ``ACCORD_SELLER_*`` values)."""
    current = SellerDetails.objects.order_by("created_at").first()
    return _save(
        actor=actor,
        model=SellerDetails,
        obj=current,
        data=data,
        fields=SELLER_FIELDS,
        check=_check_seller,
        expected_version=expected_version,
    )
