"""Leads: capture (by hand, API, import, public web forms), scoring, and conversion into a contact,
a company and a deal."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.activities.models import Interaction, Task
from accord.core import access, changes, search
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.events import emit
from accord.people import duplicates
from accord.people import services as people
from accord.people.models import Company, Contact, Source
from accord.people.validators import normalize_phone
from accord.sales.events import LeadConverted
from accord.sales.models import Deal, Lead, LeadSource, LeadStatus, ScoringRule, WebForm, WebFormSubmission
from accord.sales.services import deals as deal_services

if TYPE_CHECKING:
    from accord.identity.models import User

LEAD_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "email",
    "phone",
    "source",
    "message",
    "external_id",
)
FREE_MAIL = {
    "gmail.com",
    "wp.pl",
    "onet.pl",
    "o2.pl",
    "interia.pl",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "mail.ru",
    "yandex.ru",
    "inbox.lt",
    "yahoo.ro",
    "icloud.com",
    "gmx.com",
}


def lead_search_text(lead: Lead) -> str:
    return search.document(lead.full_name, lead.company_name, lead.email, *search.phone_terms(lead.phone))


def score(lead: Lead, rules: list[ScoringRule] | None = None) -> int:
    """The sum of the points of every active rule the lead meets."""
    total = 0
    domain = lead.email.rpartition("@")[2].lower()
    for rule in rules if rules is not None else ScoringRule.objects.filter(active=True):
        value = rule.value.strip().lower()
        if rule.field == "source":
            hit = lead.source == value
        elif rule.field == "email_domain":
            hit = (
                domain == value
                or (value == "free" and domain in FREE_MAIL)
                or (value == "business" and bool(domain) and domain not in FREE_MAIL)
            )
        elif rule.field == "has_phone":
            hit = bool(lead.phone)
        elif rule.field == "has_company":
            hit = bool(lead.company_name)
        elif rule.field == "job_title":
            hit = bool(value) and value in lead.job_title.lower()
        elif rule.field == "message":
            hit = bool(value) and value in lead.message.lower()
        else:
            hit = False
        if hit:
            total += rule.points
    return total


def _apply(actor: User | None, lead: Lead, data: Mapping[str, Any], *, creating: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in LEAD_FIELDS:
        if name in data:
            value = data[name]
            value = value.strip() if isinstance(value, str) else ("" if value is None else value)
            if name == "external_id":
                value = value or None
            setattr(lead, name, value)
    if "status" in data and data["status"] != lead.status:
        if data["status"] == LeadStatus.CONVERTED or lead.status == LeadStatus.CONVERTED:
            errors["status"] = [_("A lead is converted by converting it, and stays converted.")]
        elif data["status"] not in LeadStatus.values:
            errors["status"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(LeadStatus.values)}]
        else:
            lead.status = data["status"]
    lead.email = lead.email.lower()
    if lead.email:
        try:
            validate_email(lead.email)
        except ValidationError:
            errors["email"] = [_("%(value)s is not an e-mail address.") % {"value": lead.email}]
    if lead.phone and "phone" in data:
        try:
            lead.phone = normalize_phone(lead.phone, settings.DEFAULT_COUNTRY)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if not (lead.first_name or lead.last_name or lead.company_name or lead.email or lead.phone):
        errors["last_name"] = [_("Give at least a name, a company, an e-mail or a phone number.")]
    if "owner" in data and data["owner"] is not None:
        owner = data["owner"]
        if actor is not None and not access.can_assign_to(actor, owner):
            errors["owner"] = [access.owner_refused()]
        else:
            lead.owner = owner
            lead.team_id = owner.primary_team_id
    elif creating:
        if actor is None:
            errors["owner"] = [_("This field is required.")]
        else:
            lead.owner = actor
            lead.team_id = actor.primary_team_id
    if "team" in data:
        if refused := access.placement_refused(actor, lead, "team", data["team"], creating=creating):
            errors["team"] = refused
        else:
            lead.team = data["team"]
    try:
        lead.full_clean(
            exclude=["owner", "team", "territory", "contact", "company", "deal", "web_form"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    clash = Lead.objects.filter(external_id=lead.external_id).exclude(pk=lead.pk)
    if lead.external_id and (creating or "external_id" in data) and clash.exists():
        errors.setdefault("external_id", []).append(_("Another record already has this external id."))
    return errors


@transaction.atomic
def create_lead(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    web_form: WebForm | None = None,
    consent: bool = False,
    address: str | None = None,
    partner: Company | None = None,
) -> Lead:
    """A new lead; ``partner`` is the partner company that registered it in the portal."""
    if actor is not None:
        access.require_create(actor)
    lead = Lead(source=data.get("source") or LeadSource.OTHER, partner=partner)
    if web_form is not None:
        lead.web_form = web_form
        lead.source = web_form.source
        lead.owner = web_form.owner
        lead.team_id = web_form.team_id or web_form.owner.primary_team_id
        lead.consent_text = web_form.shown_consent_text  # the words the visitor agreed to
        lead.consent_given_at = timezone.now() if consent else None
        lead.consent_ip = address if consent else None
    errors = _apply(actor, lead, data, creating=web_form is None)
    if errors:
        raise ValidationError(errors)
    lead.score = score(lead)
    lead.search_text = lead_search_text(lead)
    lead.save()
    changes.record_create(actor=actor, obj=lead)
    return lead


@transaction.atomic
def update_lead(
    *, actor: User | None, lead: Lead, data: Mapping[str, Any], expected_version: int | None = None
) -> Lead:
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    errors = _apply(actor, locked, data, creating=False)
    if errors:
        raise ValidationError(errors)
    locked.score = score(locked)
    if changes.snapshot(locked) == before:
        return locked
    locked.search_text = lead_search_text(locked)
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def delete_lead(*, actor: User | None, lead: Lead) -> None:
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if actor is not None:
        access.require(actor, Action.DELETE, locked)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()


def rescore_all() -> int:
    """Score every open lead again (after the rules changed)."""
    rules = list(ScoringRule.objects.filter(active=True))
    changed = 0
    for lead in Lead.objects.exclude(status=LeadStatus.CONVERTED).iterator(chunk_size=1000):
        value = score(lead, rules)
        if value != lead.score:
            Lead.objects.filter(pk=lead.pk).update(score=value)
            changed += 1
    return changed


# --- conversion ---------------------------------------------------------------------------------------


# A lead's source in a contact's terms (a contact records fewer kinds of origin); a lead entered
# with no particular source was entered by hand.
CONTACT_SOURCES = {
    LeadSource.WEBSITE: Source.WEB_FORM,
    LeadSource.CAMPAIGN: Source.CAMPAIGN,
    LeadSource.PHONE: Source.PHONE,
    LeadSource.REFERRAL: Source.REFERRAL,
    LeadSource.PARTNER: Source.REFERRAL,
    LeadSource.IMPORT: Source.IMPORT,
    LeadSource.OTHER: Source.MANUAL,
}


def contact_source(lead: Lead) -> str:
    """Where the contact made from ``lead`` came from: its web form, else the lead's source."""
    if lead.web_form_id:
        return Source.WEB_FORM
    return CONTACT_SOURCES.get(lead.source, Source.OTHER)  # type: ignore[call-overload]


@dataclass
class Conversion:
    lead: Lead
    contact: Contact | None
    company: Company | None
    deal: Deal | None
    matched_contact: bool
    matched_company: bool


@transaction.atomic
def convert_lead(
    *,
    actor: User | None,
    lead: Lead,
    create_deal: bool = True,
    deal_name: str = "",
    amount: Any = None,
    contact: Contact | None = None,
    company: Company | None = None,
) -> Conversion:
    """Turn a lead into a contact, a company and a deal in one step.

    An existing contact with the lead's e-mail or phone, and an existing company of the same name
    (legal form aside) or e-mail domain, are used rather than duplicated; pass ``contact`` or
    ``company`` to choose them yourself. Interactions and tasks logged on the lead move to the
    new records, so its history stays with the customer.
    """
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    if locked.status == LeadStatus.CONVERTED:
        raise ValidationError({"status": [_("This lead was already converted.")]})
    owner = locked.owner
    matched_company = company is not None
    if company is None and locked.company_name:
        company = _matching_company(actor, locked)
        matched_company = company is not None
        if company is None:
            company = people.create_company(
                actor=actor,
                checked=True,
                data={
                    "name": locked.company_name,
                    "owner": owner,
                    "team": locked.team,
                    "territory": locked.territory,
                    "emails": [],
                },
            )
    matched_contact = contact is not None
    if contact is None and (locked.full_name or locked.email or locked.phone):
        contact = _matching_contact(actor, locked)
        matched_contact = contact is not None
        if contact is None:
            contact = people.create_contact(
                actor=actor,
                checked=True,
                data={
                    "first_name": locked.first_name,
                    "last_name": locked.last_name or (locked.email.partition("@")[0] if not locked.first_name else ""),
                    "emails": [{"email": locked.email}] if locked.email else [],
                    "phones": [{"number": locked.phone}] if locked.phone else [],
                    "companies": [{"company": company, "job_title": locked.job_title}] if company else [],
                    "source": contact_source(locked),
                    "owner": owner,
                    "team": locked.team,
                    "territory": locked.territory,
                },
            )
    deal = None
    if create_deal and amount and actor is not None and not access.sees_amounts(actor):
        raise ValidationError(access.amounts_refused(["amount"]))
    if create_deal:
        deal = deal_services.create_deal(
            actor=actor,
            checked=True,
            data={
                "name": deal_name.strip() or (locked.company_name or str(locked)),
                "amount": amount or 0,
                "company": company,
                "contacts": [contact] if contact else [],
                "owner": owner,
                "description": locked.message,
                "source": locked.source,
            },
        )
        if locked.partner_id is not None:
            # The partner who registered the lead brought the deal too.
            Deal.objects.filter(pk=deal.pk).update(partner_id=locked.partner_id)
            deal.partner_id = locked.partner_id
    _move_history(locked, contact, company, deal)
    before = changes.snapshot(locked)
    locked.status = LeadStatus.CONVERTED
    locked.converted_at = timezone.now()
    locked.contact, locked.company, locked.deal = contact, company, deal
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    converted = LeadConverted(
        contact_id=contact.pk if contact else None,
        company_id=company.pk if company else None,
        deal_id=deal.pk if deal else None,
    )
    emit(converted, obj=locked, actor=actor)
    return Conversion(locked, contact, company, deal, matched_contact, matched_company)


def _matching_contact(actor: User | None, lead: Lead) -> Contact | None:
    found = duplicates.contact_duplicates(
        actor,
        first_name=lead.first_name,
        last_name=lead.last_name,
        emails=[lead.email] if lead.email else [],
        phones=[lead.phone] if lead.phone else [],
    )
    strong = [d for d in found if {"email", "phone"} & set(d.reasons)]
    return strong[0].record if strong else None


def _matching_company(actor: User | None, lead: Lead) -> Company | None:
    found = duplicates.company_duplicates(actor, name=lead.company_name)
    exact = [d for d in found if duplicates.company_key(d.record.name) == duplicates.company_key(lead.company_name)]
    return exact[0].record if exact else None


def _move_history(lead: Lead, contact: Contact | None, company: Company | None, deal: Deal | None) -> None:
    """Interactions and tasks logged on the lead now belong to the customer (and the deal)."""
    lead_type = ContentType.objects.get_for_model(Lead)
    deal_type = ContentType.objects.get_for_model(Deal) if deal else None
    target: dict[str, Any] = {"contact": contact, "company": company}
    if deal is not None:
        target.update(related_type=deal_type, related_id=deal.pk)
    for model in (Interaction, Task):
        model.objects.filter(related_type=lead_type, related_id=lead.pk).update(**target)


# --- public web forms -------------------------------------------------------------------------------


class Rejected(Exception):
    """A submission refused without telling the sender much (spam trap, rate limit, closed form)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


HONEYPOT = "website"  # a field people never see and bots fill in


def submit_web_form(*, form: WebForm, data: Mapping[str, Any], address: str | None) -> Lead:
    """A visitor sent the form: record the attempt, refuse spam and floods, create the lead.

    The attempt is committed on its own before anything is judged, so refused and invalid
    submissions count towards the address's hourly limit too.
    """
    if not form.active:
        raise Rejected("closed", 404)
    since = timezone.now() - datetime.timedelta(hours=1)
    with transaction.atomic():
        recent = WebFormSubmission.objects.filter(form=form, address=address, at__gte=since).count()
        attempt = WebFormSubmission.objects.create(form=form, address=address)
    if str(data.get(HONEYPOT, "")).strip():
        raise Rejected("spam")
    if recent >= form.hourly_limit:
        raise Rejected("rate", 429)
    consent = str(data.get("consent", "")).lower() in {"1", "on", "true", "yes"}
    if form.consent_text and not consent:
        raise ValidationError({"consent": [_("Please agree to the terms above.")]})
    # Only what the form shows is taken: a field the owner left off cannot be filled by a crafted post.
    fields = {name: str(data.get(name, ""))[:500] for name in form.shown_fields}
    with transaction.atomic():
        lead = create_lead(actor=None, data=fields, web_form=form, consent=consent, address=address)
        WebFormSubmission.objects.filter(pk=attempt.pk).update(accepted=True)
    return lead
