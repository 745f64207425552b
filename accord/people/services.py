"""Every change to companies and contacts: validated whole, written in one transaction, audited,
announced as an event. Views, the API, imports and the CLI all come through here.

``data`` is a partial mapping: keys that are absent are left as they are; ``emails``, ``phones``,
``addresses``, ``companies`` and ``tags`` given at all replace the whole list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core import access, changes, customfields, search, typeddata
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.models import Tag, entity_label
from accord.identity.models import User
from accord.people.models import (
    Address,
    AddressLabel,
    Company,
    Contact,
    ContactCompany,
    EmailAddress,
    EmailLabel,
    PartyModel,
    PhoneLabel,
    PhoneNumber,
)
from accord.people.validators import normalize_nip, normalize_phone, normalize_regon, normalize_vat_id


class EmailIn(TypedDict):
    email: str
    label: NotRequired[str]


class PhoneIn(TypedDict):
    number: str
    label: NotRequired[str]


class AddressIn(TypedDict, total=False):
    label: str
    street: str
    postal_code: str
    city: str
    region: str
    country: str


class CompanyLinkIn(TypedDict, total=False):
    company: Company
    job_title: str
    department: str
    is_primary: bool


class PartyData(TypedDict, total=False):
    owner: Any
    team: Any
    territory: Any
    notes: str
    external_id: str | None
    emails: Sequence[EmailIn]
    phones: Sequence[PhoneIn]
    addresses: Sequence[AddressIn]
    tags: Sequence[str]
    custom: Mapping[str, Any]


class ContactData(PartyData, total=False):
    first_name: str
    last_name: str
    birthday: Any
    preferred_language: str
    preferred_channel: str
    source: str
    preferences: Sequence[str]
    classification: str
    companies: Sequence[CompanyLinkIn]


class CompanyData(PartyData, total=False):
    name: str
    vat_id: str
    nip: str
    regon: str
    industry: str
    size: str
    website: str
    country: str
    preferred_language: str


def contact_data(data: Mapping[str, Any]) -> ContactData:
    """Data whose keys are known only at run time (an API body, an import row) as ``ContactData``."""
    return cast(ContactData, typeddata.checked(data, ContactData))


def company_data(data: Mapping[str, Any]) -> CompanyData:
    """Data whose keys are known only at run time (an API body, an import row) as ``CompanyData``."""
    return cast(CompanyData, typeddata.checked(data, CompanyData))


CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "birthday",
    "preferred_language",
    "preferred_channel",
    "source",
    "preferences",
    "classification",
    "notes",
    "external_id",
)
COMPANY_FIELDS = (
    "name",
    "vat_id",
    "nip",
    "regon",
    "industry",
    "size",
    "website",
    "country",
    "preferred_language",
    "notes",
    "external_id",
)
LIST_KEYS = ("emails", "phones", "addresses", "tags", "companies")


# --- validation ----------------------------------------------------------------------------------


def _clean_emails(items: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]) -> list[EmailIn]:
    cleaned: list[EmailIn] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        email = str(item.get("email") or "").strip()
        if not email:
            continue
        # Stored in lower case: mail systems match addresses without regard to case, and so do
        # duplicate checks and the search index.
        email = email.lower()
        try:
            validate_email(email)
        except ValidationError:
            errors[f"emails.{i}.email"] = [_("%(value)s is not an e-mail address.") % {"value": email}]
            continue
        label = item.get("label") or EmailLabel.WORK
        if label not in EmailLabel.values:
            errors[f"emails.{i}.label"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(EmailLabel.values)}]
            continue
        if email in seen:
            continue
        seen.add(email)
        cleaned.append({"email": email, "label": label})
    return cleaned


def _clean_phones(items: Sequence[Mapping[str, Any]], region: str, errors: dict[str, list[str]]) -> list[PhoneIn]:
    cleaned: list[PhoneIn] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        raw = str(item.get("number") or "").strip()
        if not raw:
            continue
        try:
            number = normalize_phone(raw, region)
        except ValidationError as exc:
            errors[f"phones.{i}.number"] = exc.messages
            continue
        label = item.get("label") or PhoneLabel.MOBILE
        if label not in PhoneLabel.values:
            errors[f"phones.{i}.label"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(PhoneLabel.values)}]
            continue
        if number in seen:
            continue
        seen.add(number)
        cleaned.append({"number": number, "label": label})
    return cleaned


def _clean_addresses(items: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]) -> list[AddressIn]:
    cleaned: list[AddressIn] = []
    for i, item in enumerate(items):
        address: AddressIn = {
            "label": str(item.get("label") or AddressLabel.OFFICE),
            "street": str(item.get("street") or "").strip(),
            "postal_code": str(item.get("postal_code") or "").strip(),
            "city": str(item.get("city") or "").strip(),
            "region": str(item.get("region") or "").strip(),
            "country": str(item.get("country") or "").strip().upper(),
        }
        if not any(address[k] for k in ("street", "postal_code", "city", "region", "country")):
            continue
        try:
            Address(**address).full_clean(exclude=["contact", "company", "position"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"addresses.{i}.{field}"] = messages
            continue
        if address["country"] and (len(address["country"]) != 2 or not address["country"].isalpha()):
            errors[f"addresses.{i}.country"] = [_("Use the two-letter country code, e.g. PL.")]
            continue
        cleaned.append(address)
    return cleaned


MAX_TAGS = 50  # per record: more is a mistake (or an attack), and each one is a row to write


def _clean_tags(names: Iterable[str], errors: dict[str, list[str]] | None = None) -> list[str]:
    """Distinct names (in any case), trimmed; more than MAX_TAGS is an error on ``tags``."""
    result: list[str] = []
    seen: set[str] = set()
    for name in names:
        name = str(name).strip()[:60]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
            if len(result) > MAX_TAGS and errors is not None:
                errors["tags"] = [
                    ngettext(
                        "A record can carry at most %(limit)d tag.",
                        "A record can carry at most %(limit)d tags.",
                        MAX_TAGS,
                    )
                    % {"limit": MAX_TAGS}
                ]
                return result[:MAX_TAGS]
    return result


def _model_errors(
    obj: PartyModel, errors: dict[str, list[str]], exclude: Sequence[str], *, check_external_id: bool
) -> None:
    try:
        # Uniqueness is checked below for the one unique field, with a message of our own.
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if obj.external_id and check_external_id:
        clash = type(obj)._default_manager.filter(external_id=obj.external_id).exclude(pk=obj.pk)
        if clash.exists():
            errors.setdefault("external_id", []).append(_("Another record already has this external id."))


def _ownership(
    actor: User | None, obj: PartyModel, data: Mapping[str, Any], errors: dict[str, list[str]], *, creating: bool
) -> None:
    """Apply owner, team and territory from ``data`` after checking the actor may assign them."""
    if "owner" in data and data["owner"] is not None:
        owner = data["owner"]
        if actor is not None and not access.can_assign_to(actor, owner):
            errors["owner"] = [access.owner_refused()]
        elif not owner.is_active:
            errors["owner"] = [_("%(user)s is deactivated.") % {"user": owner}]
        else:
            obj.owner = owner
            if "team" not in data:
                obj.team_id = owner.primary_team_id
    elif creating:
        if actor is None:
            errors["owner"] = [_("This field is required.")]
            return
        obj.owner = actor
        if "team" not in data:
            obj.team_id = actor.primary_team_id
    for field in ("team", "territory"):
        if field in data:
            if refused := access.placement_refused(actor, obj, field, data[field], creating=creating):
                errors[field] = refused
            else:
                setattr(obj, field, data[field])


# --- writing children --------------------------------------------------------------------------------


def _party_filter(obj: PartyModel) -> dict[str, Any]:
    return {"contact": obj} if isinstance(obj, Contact) else {"company": obj}


def _write_emails(obj: PartyModel, emails: list[EmailIn], *, creating: bool = False) -> None:
    if not creating:
        EmailAddress.objects.filter(**_party_filter(obj)).delete()
    EmailAddress.objects.bulk_create(
        EmailAddress(**_party_filter(obj), email=e["email"], label=e.get("label", EmailLabel.WORK), position=i)
        for i, e in enumerate(emails)
    )


def _write_phones(obj: PartyModel, phones: list[PhoneIn], *, creating: bool = False) -> None:
    if not creating:
        PhoneNumber.objects.filter(**_party_filter(obj)).delete()
    PhoneNumber.objects.bulk_create(
        PhoneNumber(**_party_filter(obj), number=p["number"], label=p.get("label", PhoneLabel.MOBILE), position=i)
        for i, p in enumerate(phones)
    )


def _write_addresses(obj: PartyModel, addresses: list[AddressIn], *, creating: bool = False) -> None:
    if not creating:
        Address.objects.filter(**_party_filter(obj)).delete()
    Address.objects.bulk_create(
        Address(**_party_filter(obj), **address, position=i) for i, address in enumerate(addresses)
    )


def _write_tags(obj: PartyModel, names: list[str]) -> list[str]:
    """Set the record's tags by name, creating tags that do not exist yet (names match in any case);
    returns the names as the tags spell them."""
    existing: dict[str, Tag] = {}
    if names:
        matches = Q()
        for name in names:
            matches |= Q(name__iexact=name)
        existing = {t.name.casefold(): t for t in Tag.objects.filter(matches)}
    tags = []
    for name in names:
        tag = existing.get(name.casefold())
        if tag is None:
            tag = existing[name.casefold()] = Tag.objects.create(name=name)
        tags.append(tag)
    obj.tags.set(tags)
    return [tag.name for tag in tags]


def _write_company_links(contact: Contact, links: list[CompanyLinkIn], *, creating: bool = False) -> None:
    if not creating:
        ContactCompany.objects.filter(contact=contact).delete()
    primary_set = False
    rows = []
    for link in links:
        is_primary = bool(link.get("is_primary")) and not primary_set
        primary_set = primary_set or is_primary
        rows.append(
            ContactCompany(
                contact=contact,
                company=link["company"],
                job_title=link.get("job_title", ""),
                department=link.get("department", ""),
                is_primary=is_primary,
            )
        )
    if rows and not primary_set:
        rows[0].is_primary = True
    ContactCompany.objects.bulk_create(rows)


def contact_document(
    full_name: str, emails: Iterable[str], phones: Iterable[str], companies: Iterable[str], external_id: str | None
) -> str:
    """A contact's ``search_text``: name, e-mails, phones as typed, companies, external id."""
    phone_terms = [t for p in phones for t in search.phone_terms(p)]
    return search.document(full_name, *emails, *phone_terms, *companies, external_id)


def company_document(company: Company, emails: Iterable[str], phones: Iterable[str]) -> str:
    """A company's ``search_text``: name, tax ids, website, e-mails, phones, external id."""
    phone_terms = [t for p in phones for t in search.phone_terms(p)]
    website = company.website.split("//", 1)[-1].removeprefix("www.").rstrip("/") if company.website else ""
    return search.document(
        company.name, company.vat_id, company.nip, company.regon, website, *emails, *phone_terms, company.external_id
    )


def contact_search_text(contact: Contact) -> str:
    return contact_document(
        contact.full_name,
        EmailAddress.objects.filter(contact=contact).values_list("email", flat=True),
        PhoneNumber.objects.filter(contact=contact).values_list("number", flat=True),
        ContactCompany.objects.filter(contact=contact).values_list("company__name", flat=True),
        contact.external_id,
    )


def reindex_contacts(contact_ids: Iterable[Any], *, batch: int = 500) -> None:
    """``contact_search_text`` for many contacts, set-based: four reads and one write per batch
    however many contacts there are (a company with 10,000 contacts renamed or deleted)."""
    ids = list(contact_ids)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        contacts = list(Contact.objects.filter(pk__in=chunk))
        emails: dict[Any, list[str]] = defaultdict(list)
        for cid, email in EmailAddress.objects.filter(contact_id__in=chunk).values_list("contact_id", "email"):
            emails[cid].append(email)
        phones: dict[Any, list[str]] = defaultdict(list)
        for cid, number in PhoneNumber.objects.filter(contact_id__in=chunk).values_list("contact_id", "number"):
            phones[cid].append(number)
        companies: dict[Any, list[str]] = defaultdict(list)
        links = ContactCompany.objects.filter(contact_id__in=chunk).values_list("contact_id", "company__name")
        for cid, name in links:
            companies[cid].append(name)
        for contact in contacts:
            contact.search_text = contact_document(
                contact.full_name, emails[contact.pk], phones[contact.pk], companies[contact.pk], contact.external_id
            )
        Contact.objects.bulk_update(contacts, ["search_text"])


def company_search_text(company: Company) -> str:
    return company_document(
        company,
        EmailAddress.objects.filter(company=company).values_list("email", flat=True),
        PhoneNumber.objects.filter(company=company).values_list("number", flat=True),
    )


def sort_name(*parts: str) -> str:
    return search.normalize(" ".join(p for p in parts if p))[:200]


def _lists_snapshot(obj: PartyModel) -> dict[str, Any]:
    """The child lists as the audit trail shows them."""
    state: dict[str, Any] = {
        "emails": [e.email for e in EmailAddress.objects.filter(**_party_filter(obj))],
        "phones": [p.number for p in PhoneNumber.objects.filter(**_party_filter(obj))],
        "addresses": [str(a) for a in Address.objects.filter(**_party_filter(obj))],
        "tags": sorted(t.name for t in obj.tags.all()),
    }
    if isinstance(obj, Contact):
        state["companies"] = [
            f"{link.company.name} ({link.job_title})" if link.job_title else link.company.name
            for link in ContactCompany.objects.filter(contact=obj).select_related("company")
        ]
    return state


# --- contacts -----------------------------------------------------------------------------------------


def _prepare_contact(
    actor: User | None, contact: Contact, data: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Apply ``data`` to the unsaved ``contact``; return the cleaned lists and every error found."""
    errors: dict[str, list[str]] = {}
    for name in CONTACT_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            if name == "external_id":
                value = value or None
            if name == "preferences":
                value = _clean_tags(value or [])
            setattr(contact, name, value if value is not None or name in ("birthday", "external_id") else "")
    if not contact.first_name and not contact.last_name:
        errors["last_name"] = [_("Enter a first or a last name.")]
    _ownership(actor, contact, data, errors, creating=creating)
    _model_errors(
        contact,
        errors,
        exclude=["owner", "team", "territory", "sort_name", "tags", "companies"],
        check_external_id=creating or "external_id" in data,
    )
    lists: dict[str, Any] = {}
    region = settings.DEFAULT_COUNTRY
    if "addresses" in data:
        lists["addresses"] = _clean_addresses(data["addresses"], errors)
        region = next((a["country"] for a in lists["addresses"] if a.get("country")), region)
    if "emails" in data:
        lists["emails"] = _clean_emails(data["emails"], errors)
    if "phones" in data:
        lists["phones"] = _clean_phones(data["phones"], region, errors)
    if "tags" in data:
        lists["tags"] = _clean_tags(data["tags"], errors)
    if "companies" in data:
        links: list[CompanyLinkIn] = []
        visible = access.scope(actor, Company.objects.all()) if actor is not None else Company.objects.all()
        for i, link in enumerate(data["companies"]):
            company = link.get("company")
            if company is None or not visible.filter(pk=company.pk).exists():
                errors[f"companies.{i}.company"] = [_("No such company.")]
                continue
            if any(existing["company"].pk == company.pk for existing in links):
                continue
            links.append(link)
        lists["companies"] = links
    if "custom" in data or creating:
        try:
            contact.custom = customfields.clean(
                entity_label(Contact), data.get("custom") or {}, existing=contact.custom, partial=not creating
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    return lists, errors


def _current_lists(obj: PartyModel, names: Iterable[str]) -> dict[str, Any]:
    """The record's child lists ``names`` in the shape the cleaners produce, to skip rewriting
    equal ones (a change that names no list reads none)."""
    party = _party_filter(obj)
    wanted = set(names)
    current: dict[str, Any] = {}
    if "emails" in wanted:
        current["emails"] = [{"email": e.email, "label": e.label} for e in EmailAddress.objects.filter(**party)]
    if "phones" in wanted:
        current["phones"] = [{"number": p.number, "label": p.label} for p in PhoneNumber.objects.filter(**party)]
    if "addresses" in wanted:
        current["addresses"] = [
            {f: getattr(a, f) for f in ("label", "street", "postal_code", "city", "region", "country")}
            for a in Address.objects.filter(**party)
        ]
    if "tags" in wanted:
        current["tags"] = sorted(t.name for t in obj.tags.all())
    if "companies" in wanted and isinstance(obj, Contact):
        current["companies"] = [
            (link.company_id, link.job_title, link.department, link.is_primary)
            for link in ContactCompany.objects.filter(contact=obj).order_by("-is_primary", "id")
        ]
    return current


def _links_key(links: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    primary = next((i for i, link in enumerate(links) if link.get("is_primary")), 0)
    return [
        (link["company"].pk, link.get("job_title", ""), link.get("department", ""), i == primary)
        for i, link in enumerate(links)
    ]


def _write_lists(obj: PartyModel, lists: Mapping[str, Any], *, creating: bool) -> list[str]:
    """Write the child lists that were given and differ from what is stored; returns the record's
    tag names as stored when its tags were written."""
    current = {} if creating else _current_lists(obj, lists)
    tags: list[str] = []
    if "emails" in lists and lists["emails"] != current.get("emails"):
        _write_emails(obj, lists["emails"], creating=creating)
    if "phones" in lists and lists["phones"] != current.get("phones"):
        _write_phones(obj, lists["phones"], creating=creating)
    if "addresses" in lists and lists["addresses"] != current.get("addresses"):
        _write_addresses(obj, lists["addresses"], creating=creating)
    if "tags" in lists and sorted(lists["tags"]) != current.get("tags"):
        tags = _write_tags(obj, lists["tags"])
    if "companies" in lists and isinstance(obj, Contact):
        wanted = _links_key(lists["companies"])
        if sorted(wanted, key=lambda k: not k[3]) != current.get("companies"):
            _write_company_links(obj, lists["companies"], creating=creating)
    return tags


def _new_lists_snapshot(obj: PartyModel, lists: Mapping[str, Any], tags: list[str]) -> dict[str, Any]:
    """What ``_lists_snapshot`` reads back from a record just created with ``lists``, without
    reading it back (``tags``: the names ``_write_tags`` stored)."""
    state: dict[str, Any] = {
        "emails": [e["email"] for e in lists.get("emails", [])],
        "phones": [p["number"] for p in lists.get("phones", [])],
        "addresses": [str(Address(**a)) for a in lists.get("addresses", [])],
        "tags": sorted(tags),
    }
    if isinstance(obj, Contact):
        state["companies"] = [
            f"{link['company'].name} ({link['job_title']})" if link.get("job_title") else link["company"].name
            for link in _stored_order(lists.get("companies", []))
        ]
    return state


def _stored_order(links: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Company links in the order ``ContactCompany`` reads them back: the main one (the first
    marked, else the first given) first, then by the company's sort name."""
    primary = next((i for i, link in enumerate(links) if link.get("is_primary")), 0)
    ordered = sorted(enumerate(links), key=lambda pair: (pair[0] != primary, pair[1]["company"].sort_name))
    return [link for _, link in ordered]


def _set_primaries(obj: PartyModel, lists: Mapping[str, Any]) -> None:
    """The record's first e-mail and phone, kept on its own row for lists and search."""
    if "emails" in lists:
        obj.primary_email = lists["emails"][0]["email"] if lists["emails"] else ""
    if "phones" in lists:
        obj.primary_phone = lists["phones"][0]["number"] if lists["phones"] else ""


@transaction.atomic
def create_contact(*, actor: User | None, data: ContactData, checked: bool = False) -> Contact:
    """Create a contact. ``actor`` None is the system (imports run by an admin, demo data).
    ``checked``: the caller already decided that ``actor`` may make this record (converting a lead
    they may change); the actor is recorded as its author but not asked again."""
    if actor is not None and not checked:
        access.require_create(actor)
    contact = Contact(source=data.get("source") or "manual")
    lists, errors = _prepare_contact(None if checked else actor, contact, data, creating=True)
    if errors:
        raise ValidationError(errors)
    contact.sort_name = sort_name(contact.last_name, contact.first_name)
    # Everything the row keeps of its lists is known before they are written: one INSERT, and
    # neither the lists nor the audit's view of them read back.
    _set_primaries(contact, lists)
    contact.search_text = contact_document(
        contact.full_name,
        [e["email"] for e in lists.get("emails", [])],
        [p["number"] for p in lists.get("phones", [])],
        [link["company"].name for link in _stored_order(lists.get("companies", []))],
        contact.external_id,
    )
    contact.save(force_insert=True)
    tags = _write_lists(contact, lists, creating=True)
    changes.record_create(actor=actor, obj=contact, extra=_new_lists_snapshot(contact, lists, tags))
    return contact


@transaction.atomic
def update_contact(
    *, actor: User | None, contact: Contact, data: ContactData, expected_version: int | None = None
) -> Contact:
    """Change a contact. A stale ``expected_version`` raises Conflict and writes nothing."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    # Child lists are read (and compared, and re-indexed) only when the change names them.
    touches_lists = any(key in data for key in LIST_KEYS)
    before = changes.snapshot(locked, extra=_lists_snapshot(locked) if touches_lists else None)
    lists, errors = _prepare_contact(actor, locked, data, creating=False)
    if errors:
        raise ValidationError(errors)
    locked.sort_name = sort_name(locked.last_name, locked.first_name)
    _set_primaries(locked, lists)
    _write_lists(locked, lists, creating=False)
    after = _lists_snapshot(locked) if touches_lists else None
    if changes.snapshot(locked, extra=after) == before:
        return locked  # nothing changed: no new version, no audit entry, no event
    if touches_lists or {"first_name", "last_name", "external_id"} & set(data):
        locked.search_text = contact_search_text(locked)
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before, extra=after)
    return locked


@transaction.atomic
def delete_contact(*, actor: User | None, contact: Contact, expected_version: int | None = None) -> None:
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if actor is not None:
        access.require(actor, Action.DELETE, locked)
    check_version(locked, expected_version)
    before = changes.snapshot(locked, extra=_lists_snapshot(locked))
    changes.record_delete(actor=actor, obj=locked, before=before)
    locked.delete()


# --- companies ----------------------------------------------------------------------------------------


def _prepare_company(
    actor: User | None, company: Company, data: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    for name in COMPANY_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            if name == "external_id":
                value = value or None
            setattr(company, name, value if value is not None or name == "external_id" else "")
    company.country = (company.country or "").upper()
    if not company.name:
        errors["name"] = [_("This field is required.")]
    for name, normalize in (("nip", normalize_nip), ("regon", normalize_regon), ("vat_id", normalize_vat_id)):
        value = getattr(company, name)
        if value and name in data:
            try:
                setattr(company, name, normalize(value))
            except ValidationError as exc:
                errors[name] = exc.messages
    if company.website and "://" not in company.website:
        company.website = "https://" + company.website
    if company.country and (len(company.country) != 2 or not company.country.isalpha()):
        errors["country"] = [_("Use the two-letter country code, e.g. PL.")]
    _ownership(actor, company, data, errors, creating=creating)
    _model_errors(
        company,
        errors,
        exclude=["owner", "team", "territory", "sort_name", "tags", "name", "nip", "regon"],
        check_external_id=creating or "external_id" in data,
    )
    lists: dict[str, Any] = {}
    region = company.country or settings.DEFAULT_COUNTRY
    if "addresses" in data:
        lists["addresses"] = _clean_addresses(data["addresses"], errors)
    if "emails" in data:
        lists["emails"] = _clean_emails(data["emails"], errors)
    if "phones" in data:
        lists["phones"] = _clean_phones(data["phones"], region, errors)
    if "tags" in data:
        lists["tags"] = _clean_tags(data["tags"], errors)
    if "custom" in data or creating:
        try:
            company.custom = customfields.clean(
                entity_label(Company), data.get("custom") or {}, existing=company.custom, partial=not creating
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    return lists, errors


@transaction.atomic
def create_company(*, actor: User | None, data: CompanyData, checked: bool = False) -> Company:
    """Create a company; ``actor`` and ``checked`` as for ``create_contact``."""
    if actor is not None and not checked:
        access.require_create(actor)
    company = Company()
    lists, errors = _prepare_company(None if checked else actor, company, data, creating=True)
    if errors:
        raise ValidationError(errors)
    company.sort_name = sort_name(company.name)
    # As for a contact: one INSERT, the lists not read back.
    _set_primaries(company, lists)
    company.search_text = company_document(
        company, [e["email"] for e in lists.get("emails", [])], [p["number"] for p in lists.get("phones", [])]
    )
    company.save(force_insert=True)
    tags = _write_lists(company, lists, creating=True)
    changes.record_create(actor=actor, obj=company, extra=_new_lists_snapshot(company, lists, tags))
    return company


@transaction.atomic
def update_company(
    *, actor: User | None, company: Company, data: CompanyData, expected_version: int | None = None
) -> Company:
    locked = Company.objects.select_for_update().get(pk=company.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    touches_lists = any(key in data for key in LIST_KEYS)
    before = changes.snapshot(locked, extra=_lists_snapshot(locked) if touches_lists else None)
    old_name = locked.name
    lists, errors = _prepare_company(actor, locked, data, creating=False)
    if errors:
        raise ValidationError(errors)
    locked.sort_name = sort_name(locked.name)
    _set_primaries(locked, lists)
    _write_lists(locked, lists, creating=False)
    after = _lists_snapshot(locked) if touches_lists else None
    if changes.snapshot(locked, extra=after) == before:
        return locked  # nothing changed: no new version, no audit entry, no event
    if touches_lists or {"name", "vat_id", "nip", "regon", "website", "external_id"} & set(data):
        locked.search_text = company_search_text(locked)
    locked.version += 1
    locked.save()
    if locked.name != old_name:
        refresh_contacts_of(locked)
    changes.record_update(actor=actor, obj=locked, before=before, extra=after)
    return locked


def refresh_contacts_of(company: Company) -> None:
    """Contacts are found by their company's name: re-index them when it changes."""
    reindex_contacts(ContactCompany.objects.filter(company=company).values_list("contact_id", flat=True).distinct())


@transaction.atomic
def delete_company(*, actor: User | None, company: Company, expected_version: int | None = None) -> None:
    locked = Company.objects.select_for_update().get(pk=company.pk)
    if actor is not None:
        access.require(actor, Action.DELETE, locked)
    check_version(locked, expected_version)
    before = changes.snapshot(locked, extra=_lists_snapshot(locked))
    contact_ids = list(ContactCompany.objects.filter(company=locked).values_list("contact_id", flat=True).distinct())
    changes.record_delete(actor=actor, obj=locked, before=before)
    locked.delete()
    reindex_contacts(contact_ids)
