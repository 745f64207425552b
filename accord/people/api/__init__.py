"""REST endpoints for companies and contacts: schema in -> service or selector -> schema out."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accord.core import access, idempotency
from accord.core import selectors as core_selectors
from accord.core.api import (
    ERRORS,
    PageOut,
    StrictSchema,
    UserRef,
    expected_version,
    list_parameters,
    list_query,
    wants_exact_total,
    wants_total,
)
from accord.core.listing import apply, parse
from accord.core.models import AuditEntry
from accord.core.phones import format_phone
from accord.core.requests import AuthedRequest
from accord.identity import selectors as identity_selectors
from accord.people import duplicates, mass, merging, selectors, services
from accord.people.api import records
from accord.people.models import Company, Contact

contacts_router = Router(tags=["contacts"])
companies_router = Router(tags=["companies"])


# --- schemas -----------------------------------------------------------------------------------------


class EmailSchema(StrictSchema):
    email: str
    label: str = "work"


class PhoneIn(StrictSchema):
    number: str
    label: str = "mobile"


class PhoneOut(Schema):
    number: str
    display: str
    label: str


class AddressSchema(StrictSchema):
    label: str = "office"
    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""


class CompanyLinkIn(StrictSchema):
    company_id: uuid.UUID
    job_title: str = ""
    department: str = ""
    is_primary: bool = False


class CompanyLinkOut(Schema):
    company_id: uuid.UUID
    company_name: str
    job_title: str
    department: str
    is_primary: bool

    @staticmethod
    def resolve_company_name(obj: Any) -> str:
        return obj.company.name


class OwnershipIn(StrictSchema):
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    territory_id: uuid.UUID | None = None
    notes: str | None = None
    external_id: str | None = None
    emails: list[EmailSchema] | None = None
    phones: list[PhoneIn] | None = None
    addresses: list[AddressSchema] | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None


class ContactIn(OwnershipIn):
    first_name: str = ""
    last_name: str = ""
    birthday: datetime.date | None = None
    preferred_language: str = ""
    preferred_channel: str = ""
    source: str = "api"
    preferences: list[str] = []
    classification: str = ""
    companies: list[CompanyLinkIn] | None = None


class ContactPatch(OwnershipIn):
    version: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    birthday: datetime.date | None = None
    preferred_language: str | None = None
    preferred_channel: str | None = None
    source: str | None = None
    preferences: list[str] | None = None
    classification: str | None = None
    companies: list[CompanyLinkIn] | None = None


class PartyOut(Schema):
    id: uuid.UUID
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    owner: UserRef
    team_id: uuid.UUID | None
    territory_id: uuid.UUID | None
    notes: str
    external_id: str | None
    emails: list[EmailSchema]
    phones: list[PhoneOut]
    addresses: list[AddressSchema]
    tags: list[str]
    custom: dict[str, Any]
    last_interaction_at: datetime.datetime | None

    @staticmethod
    def resolve_emails(obj: Any) -> list[dict[str, str]]:
        return [{"email": e.email, "label": e.label} for e in obj.emails.all()]

    @staticmethod
    def resolve_phones(obj: Any) -> list[dict[str, str]]:
        return [{"number": p.number, "display": format_phone(p.number), "label": p.label} for p in obj.phones.all()]

    @staticmethod
    def resolve_addresses(obj: Any) -> list[dict[str, str]]:
        fields = ("label", "street", "postal_code", "city", "region", "country")
        return [{f: getattr(a, f) for f in fields} for a in obj.addresses.all()]

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [t.name for t in obj.tags.all()]


class ContactOut(PartyOut):
    first_name: str
    last_name: str
    full_name: str
    birthday: datetime.date | None
    preferred_language: str
    preferred_channel: str
    source: str
    preferences: list[str]
    classification: str
    companies: list[CompanyLinkOut]

    @staticmethod
    def resolve_companies(obj: Any) -> list[Any]:
        return list(obj.company_links.all())


class WarningOut(Schema):
    code: str
    message: str
    id: uuid.UUID | None = None


class DuplicateOut(Schema):
    id: uuid.UUID
    name: str
    reasons: list[str]


class CompanyIn(OwnershipIn):
    name: str = ""
    vat_id: str = ""
    nip: str = ""
    regon: str = ""
    industry: str = ""
    size: str = ""
    website: str = ""
    country: str = ""
    preferred_language: str = ""


class CompanyPatch(OwnershipIn):
    version: int | None = None
    name: str | None = None
    vat_id: str | None = None
    nip: str | None = None
    regon: str | None = None
    industry: str | None = None
    size: str | None = None
    website: str | None = None
    country: str | None = None
    preferred_language: str | None = None


class CompanyOut(PartyOut):
    name: str
    vat_id: str
    nip: str
    regon: str
    industry: str
    size: str
    website: str
    country: str
    preferred_language: str


class MergeIn(StrictSchema):
    duplicate_ids: list[uuid.UUID]
    version: int | None = None


class AuditOut(Schema):
    at: datetime.datetime
    actor: UserRef | None
    action: str
    changes: dict[str, Any]


# --- input -> service data ----------------------------------------------------------------------------


def _resolve(find: Callable[[Any], Any], pk: uuid.UUID | None, field: str, errors: dict[str, list[str]]) -> Any:
    if pk is None:
        return None
    obj = find(pk)
    if obj is None:
        errors[field] = [_("No such record.")]
    return obj


def _assignable_owner(request: HttpRequest, pk: uuid.UUID, errors: dict[str, list[str]]) -> Any:
    """The user ``pk`` names when the caller may give records to them; otherwise the error the
    service gives, the same whether the user exists or not."""
    owner = identity_selectors.find_user(pk)
    if owner is None or not access.can_assign_to(request.user, owner):
        errors["owner_id"] = [access.owner_refused()]
        return None
    return owner


def _party_data(request: HttpRequest, payload: OwnershipIn, fields: tuple[str, ...]) -> dict[str, Any]:
    given = payload.model_dump(exclude_unset=True)
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in fields:
        if name in given:
            data[name] = given[name] if given[name] is not None else ""
    for name in ("notes", "external_id", "emails", "phones", "addresses", "tags", "custom"):
        if name in given:
            empty: Any = [] if name in ("emails", "phones", "addresses", "tags") else ({} if name == "custom" else "")
            data[name] = given[name] if given[name] is not None else empty
    if "external_id" in data:
        data["external_id"] = data["external_id"] or None
    if "owner_id" in given and given["owner_id"] is not None:
        owner = _assignable_owner(request, given["owner_id"], errors)
        if owner is not None:
            data["owner"] = owner
    if "team_id" in given:
        data["team"] = _resolve(identity_selectors.find_team, given["team_id"], "team_id", errors)
    if "territory_id" in given:
        data["territory"] = _resolve(identity_selectors.find_territory, given["territory_id"], "territory_id", errors)
    if "companies" in given:
        links = []
        visible = selectors.visible_companies(request.user)
        for i, link in enumerate(given["companies"] or []):
            company = visible.filter(pk=link["company_id"]).first()
            if company is None:
                errors[f"companies.{i}.company_id"] = [_("No such company.")]
                continue
            links.append({**{k: v for k, v in link.items() if k != "company_id"}, "company": company})
        data["companies"] = links
    if errors:
        raise ValidationError(errors)
    return data


CONTACT_INPUT = (
    "first_name",
    "last_name",
    "birthday",
    "preferred_language",
    "preferred_channel",
    "source",
    "preferences",
    "classification",
)
COMPANY_INPUT = ("name", "vat_id", "nip", "regon", "industry", "size", "website", "country", "preferred_language")


def _warnings(found: list[duplicates.Duplicate]) -> list[dict[str, Any]]:
    return [
        {
            "code": "possible_duplicate",
            "id": d.record.pk,
            "message": _("Possible duplicate of %(name)s (%(reasons)s).")
            % {"name": d.record, "reasons": ", ".join(d.reason_labels)},
        }
        for d in found
    ]


def _history(request: HttpRequest, model: type[Any], pk: uuid.UUID) -> list[AuditEntry]:
    return core_selectors.audit_entries(request.user, core_selectors.visible_one(request.user, model, pk))


# --- contacts -------------------------------------------------------------------------------------------


@contacts_router.get(
    "", response={200: PageOut[ContactOut], **ERRORS}, openapi_extra=list_parameters(selectors.CONTACT_LIST)
)
def list_contacts(request: HttpRequest) -> Any:
    query = list_query(request, selectors.CONTACT_LIST)
    page = selectors.contact_records_page(request.user, query)
    exact = wants_exact_total(request)
    total = selectors.contact_total(request.user, query, exact=exact, page=page) if wants_total(request) else None
    return records.respond(
        request,
        {
            "items": [records.contact_body(record) for record in page.items],
            "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor,
            "total": total.value if total else None,
            "total_is_estimate": total.estimated if total else None,
        },
    )


class ContactCreatedOut(ContactOut):
    warnings: list[WarningOut] = []


@contacts_router.post("", response={201: ContactCreatedOut, **ERRORS})
def create_contact(request: AuthedRequest, payload: ContactIn) -> Any:
    def run() -> Any:
        data = _party_data(request, payload, CONTACT_INPUT)
        contact = services.create_contact(actor=request.user, data=services.contact_data(data))
        found = duplicates.contact_duplicates(
            request.user,
            first_name=contact.first_name,
            last_name=contact.last_name,
            emails=[e["email"] for e in data.get("emails", [])],
            phones=list(contact.phones.values_list("number", flat=True)),
            exclude=contact.pk,
        )
        return contact, found

    def serialize(result: Any) -> Any:
        contact, found = result
        body = records.as_json(records.contact_body(selectors.contact_record(request.user, contact.pk)))
        body["warnings"] = _warnings(found)
        return body

    return idempotency.respond(request, payload=payload.model_dump(mode="json"), run=run, serialize=serialize)


class ReassignIn(StrictSchema):
    filters: dict[str, str | list[str]] = {}
    owner_id: uuid.UUID
    team_id: uuid.UUID | None = None


class ReassignOut(Schema):
    count: int


def _reassign(request: AuthedRequest, spec: Any, queryset: Any, payload: ReassignIn) -> dict[str, int]:
    try:
        query = parse(spec, payload.filters, strict=True)
    except ValidationError as exc:
        raise ValidationError({f"filters.{k}": v for k, v in exc.message_dict.items()}) from exc
    if not access.can_edit_any(request.user):
        raise access.AccessDenied()
    errors: dict[str, list[str]] = {}
    owner = _assignable_owner(request, payload.owner_id, errors)
    team = _resolve(identity_selectors.find_team, payload.team_id, "team_id", errors) if payload.team_id else mass.UNSET
    if errors:
        raise ValidationError(errors)
    selection = apply(spec, query, queryset)
    return {"count": mass.reassign(actor=request.user, queryset=selection, owner=owner, team=team)}


@contacts_router.post("/reassign", response={200: ReassignOut, **ERRORS}, summary="Give filtered contacts to an owner")
def reassign_contacts(request: AuthedRequest, payload: ReassignIn) -> Any:
    """Every contact matching ``filters`` (the list's filters) that you may change goes to the owner."""
    return _reassign(request, selectors.CONTACT_LIST, selectors.visible_contacts(request.user), payload)


@contacts_router.get("/{uuid:contact_id}", response={200: ContactOut, **ERRORS})
def get_contact(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    record = selectors.contact_record(request.user, contact_id)
    return records.respond(request, records.contact_body(record), etag=record.obj.version)


@contacts_router.patch("/{uuid:contact_id}", response={200: ContactOut, **ERRORS})
def update_contact(request: AuthedRequest, contact_id: uuid.UUID, payload: ContactPatch) -> Any:
    contact = selectors.contact_detail(request.user, contact_id)
    data = _party_data(request, payload, CONTACT_INPUT)
    services.update_contact(
        actor=request.user,
        contact=contact,
        data=services.contact_data(data),
        expected_version=expected_version(request, payload.version),
    )
    record = selectors.contact_record(request.user, contact_id)
    return records.respond(request, records.contact_body(record), etag=record.obj.version)


@contacts_router.delete("/{uuid:contact_id}", response={204: None, **ERRORS})
def delete_contact(request: AuthedRequest, contact_id: uuid.UUID) -> Any:
    contact = core_selectors.visible_one(request.user, Contact, contact_id)
    services.delete_contact(actor=request.user, contact=contact, expected_version=expected_version(request))
    return Status(204, None)


@contacts_router.get("/{uuid:contact_id}/duplicates", response={200: list[DuplicateOut], **ERRORS})
def contact_duplicates(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    contact = selectors.contact_detail(request.user, contact_id)
    found = duplicates.contact_duplicates(
        request.user,
        first_name=contact.first_name,
        last_name=contact.last_name,
        emails=[e.email for e in contact.emails.all()],
        phones=[p.number for p in contact.phones.all()],
        exclude=contact.pk,
    )
    return [{"id": d.record.pk, "name": str(d.record), "reasons": d.reasons} for d in found]


@contacts_router.post("/{uuid:contact_id}/merge", response={200: ContactOut, **ERRORS})
def merge_contacts(request: AuthedRequest, contact_id: uuid.UUID, payload: MergeIn) -> Any:
    survivor = core_selectors.visible_one(request.user, Contact, contact_id)
    others = list(selectors.visible_contacts(request.user).filter(pk__in=payload.duplicate_ids))
    if len(others) != len(set(payload.duplicate_ids)):
        raise ValidationError({"duplicate_ids": [_("Some of these contacts do not exist.")]})
    merging.merge_contacts(
        actor=request.user,
        survivor=survivor,
        duplicates=others,
        expected_version=expected_version(request, payload.version),
    )
    return records.respond(request, records.contact_body(selectors.contact_record(request.user, contact_id)))


@contacts_router.get("/{uuid:contact_id}/history", response={200: list[AuditOut], **ERRORS})
def contact_history(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    return _history(request, Contact, contact_id)


# --- companies ------------------------------------------------------------------------------------------


@companies_router.get(
    "", response={200: PageOut[CompanyOut], **ERRORS}, openapi_extra=list_parameters(selectors.COMPANY_LIST)
)
def list_companies(request: HttpRequest) -> Any:
    query = list_query(request, selectors.COMPANY_LIST)
    page = selectors.company_records_page(request.user, query)
    exact = wants_exact_total(request)
    total = selectors.company_total(request.user, query, exact=exact, page=page) if wants_total(request) else None
    return records.respond(
        request,
        {
            "items": [records.company_body(record) for record in page.items],
            "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor,
            "total": total.value if total else None,
            "total_is_estimate": total.estimated if total else None,
        },
    )


class CompanyCreatedOut(CompanyOut):
    warnings: list[WarningOut] = []


@companies_router.post("", response={201: CompanyCreatedOut, **ERRORS})
def create_company(request: AuthedRequest, payload: CompanyIn) -> Any:
    def run() -> Any:
        data = _party_data(request, payload, COMPANY_INPUT)
        company = services.create_company(actor=request.user, data=services.company_data(data))
        found = duplicates.company_duplicates(
            request.user,
            name=company.name,
            nip=company.nip,
            vat_id=company.vat_id,
            emails=[e["email"] for e in data.get("emails", [])],
            phones=list(company.phones.values_list("number", flat=True)),
            exclude=company.pk,
        )
        return company, found

    def serialize(result: Any) -> Any:
        company, found = result
        body = records.as_json(records.company_body(selectors.company_record(request.user, company.pk)))
        body["warnings"] = _warnings(found)
        return body

    return idempotency.respond(request, payload=payload.model_dump(mode="json"), run=run, serialize=serialize)


@companies_router.post(
    "/reassign", response={200: ReassignOut, **ERRORS}, summary="Give filtered companies to an owner"
)
def reassign_companies(request: AuthedRequest, payload: ReassignIn) -> Any:
    return _reassign(request, selectors.COMPANY_LIST, selectors.visible_companies(request.user), payload)


@companies_router.get("/{uuid:company_id}", response={200: CompanyOut, **ERRORS})
def get_company(request: HttpRequest, company_id: uuid.UUID) -> Any:
    record = selectors.company_record(request.user, company_id)
    return records.respond(request, records.company_body(record), etag=record.obj.version)


@companies_router.patch("/{uuid:company_id}", response={200: CompanyOut, **ERRORS})
def update_company(request: AuthedRequest, company_id: uuid.UUID, payload: CompanyPatch) -> Any:
    company = selectors.company_detail(request.user, company_id)
    data = _party_data(request, payload, COMPANY_INPUT)
    services.update_company(
        actor=request.user,
        company=company,
        data=services.company_data(data),
        expected_version=expected_version(request, payload.version),
    )
    record = selectors.company_record(request.user, company_id)
    return records.respond(request, records.company_body(record), etag=record.obj.version)


@companies_router.delete("/{uuid:company_id}", response={204: None, **ERRORS})
def delete_company(request: AuthedRequest, company_id: uuid.UUID) -> Any:
    company = core_selectors.visible_one(request.user, Company, company_id)
    services.delete_company(actor=request.user, company=company, expected_version=expected_version(request))
    return Status(204, None)


@companies_router.get("/{uuid:company_id}/duplicates", response={200: list[DuplicateOut], **ERRORS})
def company_duplicates(request: HttpRequest, company_id: uuid.UUID) -> Any:
    company = selectors.company_detail(request.user, company_id)
    found = duplicates.company_duplicates(
        request.user,
        name=company.name,
        nip=company.nip,
        vat_id=company.vat_id,
        emails=[e.email for e in company.emails.all()],
        phones=[p.number for p in company.phones.all()],
        exclude=company.pk,
    )
    return [{"id": d.record.pk, "name": str(d.record), "reasons": d.reasons} for d in found]


@companies_router.post("/{uuid:company_id}/merge", response={200: CompanyOut, **ERRORS})
def merge_companies(request: AuthedRequest, company_id: uuid.UUID, payload: MergeIn) -> Any:
    survivor = core_selectors.visible_one(request.user, Company, company_id)
    others = list(selectors.visible_companies(request.user).filter(pk__in=payload.duplicate_ids))
    if len(others) != len(set(payload.duplicate_ids)):
        raise ValidationError({"duplicate_ids": [_("Some of these companies do not exist.")]})
    merging.merge_companies(
        actor=request.user,
        survivor=survivor,
        duplicates=others,
        expected_version=expected_version(request, payload.version),
    )
    return records.respond(request, records.company_body(selectors.company_record(request.user, company_id)))


@companies_router.get("/{uuid:company_id}/history", response={200: list[AuditOut], **ERRORS})
def company_history(request: HttpRequest, company_id: uuid.UUID) -> Any:
    return _history(request, Company, company_id)
