"""Reads of companies and contacts for views, the API and exports, scoped by the access policy."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accord.core import access, customfields, languages, search
from accord.core.exports import Column, walk
from accord.core.jsonrows import json_rows, load_rows, precompiled, set_prefetched
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, Total, apply, paginate, total
from accord.core.models import Tag, entity_label
from accord.core.phones import format_phone
from accord.core.prepared import PreparedQuery
from accord.identity.models import Team, Territory, User
from accord.people.models import (
    Address,
    Channel,
    Company,
    CompanySize,
    CompanyTag,
    Contact,
    ContactCompany,
    ContactTag,
    EmailAddress,
    Language,
    PhoneNumber,
    Source,
)

P = TypeVar("P", Contact, Company)


def _tag_filter(model: type[Contact] | type[Company]) -> Filter:
    through: type[ContactTag] | type[CompanyTag] = ContactTag if model is Contact else CompanyTag
    fk = "contact_id" if model is Contact else "company_id"

    def build(values: list[Any]) -> Q:
        return Q(pk__in=through.objects.filter(tag__name__in=values).values(fk))

    def build_for(values: list[Any], user: Any) -> Q:
        # The links carry the record's owner, team and territory: the tagged records the user may
        # see are found in the link index, not by testing every tagged record (``TagLink``).
        return Q(pk__in=access.scope(user, through.objects.filter(tag__name__in=values)).values(fk))

    return Filter("tag", "tags__name", build=build, build_for=build_for)


def _common_filters(model: type) -> list[Filter]:
    return [
        Filter("owner", "owner_id", kind="uuid"),
        Filter("team", "team_id", kind="uuid"),
        Filter("territory", "territory_id", kind="uuid"),
        _tag_filter(model),
        Filter("created_after", "created_at", kind="datetime", lookup="gte"),
        Filter("created_before", "created_at", kind="datetime", lookup="lt"),
        Filter("updated_after", "updated_at", kind="datetime", lookup="gte"),
        Filter("last_interaction_after", "last_interaction_at", kind="datetime", lookup="gte"),
        Filter("last_interaction_before", "last_interaction_at", kind="datetime", lookup="lt"),
        Filter("no_interaction", "last_interaction_at", kind="bool", lookup="isnull"),
        Filter("external_id", "external_id"),
    ]


def _common_sorts() -> list[Sort]:
    return [
        Sort("name", "sort_name"),
        Sort("created", "created_at", kind="datetime"),
        Sort("updated", "updated_at", kind="datetime"),
        Sort("last_interaction", "last_interaction_at", kind="datetime", nullable=True),
    ]


def _has_email(values: list[Any]) -> Q:
    return ~Q(primary_email="") if values[0] else Q(primary_email="")


def _company_of(values: list[Any]) -> Q:
    return Q(pk__in=ContactCompany.objects.filter(company_id__in=values).values("contact_id"))


CONTACT_LIST = ListSpec[Contact](
    entity=entity_label(Contact),
    filters=[
        *_common_filters(Contact),
        Filter("company", "company_links__company_id", kind="uuid", build=_company_of),
        Filter("preferred_language", "preferred_language", kind="choice", choices=Language.values),
        Filter("preferred_channel", "preferred_channel", kind="choice", choices=Channel.values),
        Filter("source", "source", kind="choice", choices=Source.values),
        Filter("classification", "classification"),
        Filter("has_email", "primary_email", kind="bool", build=_has_email),
        Filter("birthday_after", "birthday", kind="date", lookup="gte"),
        Filter("birthday_before", "birthday", kind="date", lookup="lte"),
    ],
    sorts=_common_sorts(),
    default_sort="name",
    search=search.matching,
    custom_fields=True,
    walk=5_000,
)

COMPANY_LIST = ListSpec[Company](
    entity=entity_label(Company),
    filters=[
        *_common_filters(Company),
        Filter("industry", "industry"),
        Filter("size", "size", kind="choice", choices=CompanySize.values),
        Filter("country", "country"),
        Filter("nip", "nip"),
    ],
    sorts=_common_sorts(),
    default_sort="name",
    search=search.matching,
    custom_fields=True,
)


def visible_contacts(user: Any) -> QuerySet[Contact]:
    return access.scope(user, Contact.objects.all())


def visible_companies(user: Any) -> QuerySet[Company]:
    return access.scope(user, Company.objects.all())


def _contact_rows(qs: QuerySet[Contact]) -> QuerySet[Contact]:
    """What a list row shows: owner, main company, tags — in a fixed number of queries."""
    return qs.select_related("owner").prefetch_related(
        "tags",
        Prefetch(
            "company_links",
            queryset=ContactCompany.objects.select_related("company").order_by("-is_primary", "id"),
        ),
    )


def contact_page(user: Any, query: ListQuery) -> Page[Contact]:
    qs = apply(CONTACT_LIST, query, visible_contacts(user), user=user)
    return paginate(CONTACT_LIST, query, _contact_rows(qs))


def contact_records_page(user: Any, query: ListQuery) -> Page[Record[Contact]]:
    """A page of whole contact records (the API's list): the page, then every list of its contacts
    in one more query."""
    qs = apply(CONTACT_LIST, query, visible_contacts(user), user=user)
    page = paginate(CONTACT_LIST, query, qs.select_related("owner"))
    return Page(_records(page.items), page.next_cursor, page.prev_cursor, page.limit)


def contact_total(user: Any, query: ListQuery, *, exact: bool = False, page: Page[Any] | None = None) -> Total:
    """How many contacts the list holds: exact, or an estimate when counting would be slow."""
    return total(apply(CONTACT_LIST, query, visible_contacts(user), user=user), exact=exact, query=query, page=page)


def company_page(user: Any, query: ListQuery) -> Page[Company]:
    qs = apply(COMPANY_LIST, query, visible_companies(user), user=user)
    return paginate(COMPANY_LIST, query, qs.select_related("owner").prefetch_related("tags"))


def company_records_page(user: Any, query: ListQuery) -> Page[Record[Company]]:
    """A page of whole company records (the API's list), their lists in one more query."""
    qs = apply(COMPANY_LIST, query, visible_companies(user), user=user)
    page = paginate(COMPANY_LIST, query, qs.select_related("owner"))
    return Page(_records(page.items), page.next_cursor, page.prev_cursor, page.limit)


def company_total(user: Any, query: ListQuery, *, exact: bool = False, page: Page[Any] | None = None) -> Total:
    return total(apply(COMPANY_LIST, query, visible_companies(user), user=user), exact=exact, query=query, page=page)


# --- a whole record with its lists, in one query ----------------------------------------------------
#
# A record's e-mails, phones, addresses, tags (and a contact's companies) come as JSON arrays in the
# record's own query instead of five more queries, and are handed to the record as if prefetched:
# ``contact.emails.all()`` costs nothing, as before. Each list is sorted as its model's ordering says.

_ADDRESS_FIELDS = ("label", "street", "postal_code", "city", "region", "country")


def _lists(model: type[Contact] | type[Company]) -> dict[str, Any]:
    return precompiled(f"lists:{model._meta.label}", model, lambda: _list_columns(model))


def _list_columns(model: type[Contact] | type[Company]) -> dict[str, Any]:
    fk = "contact" if model is Contact else "company"
    outer = OuterRef("pk")
    columns: dict[str, Any] = {
        "json_emails": json_rows(
            EmailAddress.objects.filter(**{fk: outer}), fk, id="id", email="email", label="label", position="position"
        ),
        "json_phones": json_rows(
            PhoneNumber.objects.filter(**{fk: outer}), fk, id="id", number="number", label="label", position="position"
        ),
        "json_addresses": json_rows(
            Address.objects.filter(**{fk: outer}),
            fk,
            id="id",
            position="position",
            **{name: name for name in _ADDRESS_FIELDS},
        ),
        "json_tags": json_rows(
            (ContactTag if model is Contact else CompanyTag).objects.filter(**{f"{fk}_id": outer}),
            f"{fk}_id",
            id="tag_id",
            name="tag__name",
            color="tag__color",
        ),
    }
    if model is Contact:
        columns["json_companies"] = json_rows(
            ContactCompany.objects.filter(contact=outer),
            "contact",
            id="id",
            company_id="company_id",
            company_name="company__name",
            company_sort_name="company__sort_name",
            job_title="job_title",
            department="department",
            is_primary="is_primary",
        )
    return columns


def _by_position(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["position"], str(r["id"]).replace("-", "")))


@dataclass(frozen=True, slots=True)
class PartyLists:
    """A record's lists as plain rows, each sorted as its model's ordering says (what the API
    writes out, without a model instance per row)."""

    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    companies: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Record(Generic[P]):
    """A contact or company (its owner, team and territory loaded) with its lists."""

    obj: P
    lists: PartyLists


def _party_lists(row: dict[str, Any]) -> PartyLists:
    """The lists the JSON columns of ``row`` hold."""
    companies = row.get("json_companies")
    return PartyLists(
        emails=_by_position(load_rows(row["json_emails"])),
        phones=_by_position(load_rows(row["json_phones"])),
        addresses=_by_position(load_rows(row["json_addresses"])),
        tags=sorted(load_rows(row["json_tags"]), key=lambda r: (r["name"], str(r["id"]).replace("-", ""))),
        companies=sorted(
            load_rows(companies),
            key=lambda r: (not r["is_primary"], r["company_sort_name"], str(r["id"]).replace("-", "")),
        ),
    )


def _attach_lists(obj: Contact | Company, lists: PartyLists) -> None:
    """Hand the record its lists as if prefetched."""
    fk = "contact_id" if isinstance(obj, Contact) else "company_id"
    set_prefetched(
        obj,
        "emails",
        [
            EmailAddress(
                id=uuid.UUID(r["id"]), email=r["email"], label=r["label"], position=r["position"], **{fk: obj.pk}
            )
            for r in lists.emails
        ],
    )
    set_prefetched(
        obj,
        "phones",
        [
            PhoneNumber(
                id=uuid.UUID(r["id"]), number=r["number"], label=r["label"], position=r["position"], **{fk: obj.pk}
            )
            for r in lists.phones
        ],
    )
    set_prefetched(
        obj,
        "addresses",
        [
            Address(
                id=uuid.UUID(r["id"]),
                position=r["position"],
                **{name: r[name] for name in _ADDRESS_FIELDS},
                **{fk: obj.pk},
            )
            for r in lists.addresses
        ],
    )
    set_prefetched(
        obj,
        "tags",
        [Tag.from_db(None, ["id", "name", "color"], [uuid.UUID(r["id"]), r["name"], r["color"]]) for r in lists.tags],
    )
    if isinstance(obj, Contact):
        set_prefetched(
            obj,
            "company_links",
            [
                ContactCompany(
                    id=uuid.UUID(r["id"]),
                    contact=obj,
                    company=Company.from_db(
                        None,
                        ["id", "name", "sort_name"],
                        [uuid.UUID(r["company_id"]), r["company_name"], r["company_sort_name"]],
                    ),
                    job_title=r["job_title"],
                    department=r["department"],
                    is_primary=bool(r["is_primary"]),
                )
                for r in lists.companies
            ],
        )


def _records(records: list[P]) -> list[Record[P]]:
    """``records`` (of one model) with their lists, read in one query."""
    if not records:
        return []
    model = type(records[0])
    columns = _lists(model)
    found: Any = model._default_manager.filter(pk__in=[r.pk for r in records]).values("pk", **columns)
    rows: dict[Any, dict[str, Any]] = {row["pk"]: row for row in found}
    return [Record(record, _party_lists(rows[record.pk])) for record in records]


_RELATED: tuple[tuple[str, type[Any]], ...] = (("owner", User), ("team", Team), ("territory", Territory))


def _concrete(model: type[Any]) -> list[Any]:
    return list(model._meta.concrete_fields)


def _detail_query(model: type[Contact] | type[Company]) -> PreparedQuery:
    """The record by key with its owner, team and territory (every column) and its lists."""

    def build(pk: str) -> QuerySet[Any]:
        columns = _lists(model)
        related = [f"{name}__{f.name}" for name, rel in _RELATED for f in _concrete(rel)]
        return (
            model._default_manager.annotate(**columns)
            .filter(pk=RawSQL("%s", [pk]))
            .values_list(*[f.name for f in _concrete(model)], *related, *columns)
        )

    return PreparedQuery(f"detail:{model._meta.label}", build, "pk")


_DETAIL_QUERIES = {Contact: _detail_query(Contact), Company: _detail_query(Company)}


def _record(user: Any, model: type[P], pk: Any) -> Record[P]:
    """The record ``pk`` if ``user`` may see it (the access policy's ``can_view``, which decides
    exactly as its ``scope`` filter does), else Http404; with its lists, in one query whose SQL
    is built once."""
    try:
        key = model._meta.pk.to_python(pk)
    except ValidationError as exc:
        raise Http404 from exc
    if key is None:
        raise Http404
    row = _DETAIL_QUERIES[model].fetchone(pk=model._meta.pk.get_db_prep_value(key, connection))
    if row is None:
        raise Http404
    fields = _concrete(model)
    record = model.from_db(connection.alias, [f.attname for f in fields], row[: len(fields)])
    at = len(fields)
    for name, rel in _RELATED:
        rel_fields = _concrete(rel)
        values = row[at : at + len(rel_fields)]
        at += len(rel_fields)
        pk_at = rel_fields.index(rel._meta.pk)
        setattr(
            record,
            name,
            rel.from_db(connection.alias, [f.attname for f in rel_fields], values) if values[pk_at] else None,
        )
    if not access.can_view(user, record):
        raise Http404
    return Record(record, _party_lists(dict(zip(_lists(model), row[at:], strict=True))))


def _detail(user: Any, model: type[P], pk: Any) -> P:
    found = _record(user, model, pk)
    _attach_lists(found.obj, found.lists)
    return found.obj


def contact_detail(user: Any, pk: Any) -> Contact:
    """A contact the user may see, with its e-mails, phones, addresses, tags and companies: one query."""
    return _detail(user, Contact, pk)


def company_detail(user: Any, pk: Any) -> Company:
    """A company the user may see, with its e-mails, phones, addresses and tags: one query."""
    return _detail(user, Company, pk)


def contact_record(user: Any, pk: Any) -> Record[Contact]:
    """A contact the user may see with its lists as plain rows (what the API writes out): one query."""
    return _record(user, Contact, pk)


def company_record(user: Any, pk: Any) -> Record[Company]:
    """A company the user may see with its lists as plain rows: one query."""
    return _record(user, Company, pk)


def company_people(user: Any, company: Company, limit: int = 50) -> list[ContactCompany]:
    """The company's people that the user may see, main contacts first."""
    links = (
        ContactCompany.objects.filter(company=company, contact__in=visible_contacts(user))
        .select_related("contact")
        .order_by("-is_primary", "contact__sort_name")
    )
    return list(links[:limit])


def customer_language(*, contact: Contact | None = None, company: Company | None = None) -> str:
    """The language Accord writes to a customer in (a quote, an e-mail): the contact's preferred
    one, else that of their main company, else ``company``'s (the deal's, when the contact works
    elsewhere or there is none), else the site's. A language the interface has no catalogue for
    (German, Ukrainian) is passed over for the next."""
    if contact is not None:
        if found := languages.supported(contact.preferred_language):
            return found
        main = (
            ContactCompany.objects.filter(contact=contact, is_primary=True)
            .values_list("company__preferred_language", flat=True)
            .first()
        )
        if found := languages.supported(main):
            return found
    return languages.first_supported(company.preferred_language if company is not None else "")


def customer_languages(contacts: Iterable[Contact]) -> dict[Any, str]:
    """``customer_language(contact=...)`` of many contacts, by key: the main companies of those
    without a language of their own read in one query."""
    contacts = list(contacts)
    wanting = [contact.pk for contact in contacts if not languages.supported(contact.preferred_language)]
    main: dict[Any, str] = {}
    if wanting:
        links = ContactCompany.objects.filter(contact_id__in=wanting, is_primary=True).order_by(
            "contact_id", *list(ContactCompany._meta.ordering or [])
        )
        for contact_id, language in links.values_list("contact_id", "company__preferred_language"):
            main.setdefault(contact_id, language)
    return {
        contact.pk: languages.supported(contact.preferred_language)
        or languages.supported(main.get(contact.pk))
        or languages.first_supported("")
        for contact in contacts
    }


# --- export --------------------------------------------------------------------------------------


def _main_link(contact: Contact) -> ContactCompany | None:
    links = list(contact.company_links.all())
    return links[0] if links else None


def _names(items: Any, attr: str) -> str:
    return "; ".join(str(getattr(i, attr)) for i in items)


def _custom_columns(entity: str) -> list[Column]:
    def reader(definition: Any) -> Any:
        return lambda record: customfields.display(definition, record.custom.get(definition.key))

    return [
        Column(name, reader(definition), definition.label) for name, definition in customfields.export_columns(entity)
    ]


def contact_columns() -> list[Column]:
    columns = [
        Column("id", lambda c: c.pk, _("ID")),
        Column("first_name", lambda c: c.first_name, _("First name")),
        Column("last_name", lambda c: c.last_name, _("Last name")),
        Column("email", lambda c: c.primary_email, _("E-mail")),
        Column("phone", lambda c: format_phone(c.primary_phone) if c.primary_phone else "", _("Phone")),
        Column("emails", lambda c: _names(c.emails.all(), "email"), _("All e-mails")),
        Column("phones", lambda c: _names(c.phones.all(), "number"), _("All phones")),
        Column("company", lambda c: link.company.name if (link := _main_link(c)) else "", _("Company")),
        Column("job_title", lambda c: link.job_title if (link := _main_link(c)) else "", _("Job title")),
        Column("department", lambda c: link.department if (link := _main_link(c)) else "", _("Department")),
        Column("birthday", lambda c: c.birthday, _("Birthday")),
        Column(
            "preferred_language",
            lambda c: c.preferred_language,
            _("Preferred language"),
            choices=Language,
        ),
        Column(
            "preferred_channel",
            lambda c: c.preferred_channel,
            _("Preferred channel"),
            choices=Channel,
        ),
        Column("source", lambda c: c.source, _("Source"), choices=Source),
        Column("classification", lambda c: c.classification, _("Classification")),
        Column("tags", lambda c: _names(c.tags.all(), "name"), _("Tags")),
        Column("owner", lambda c: c.owner.username, _("Owner")),
        Column("external_id", lambda c: c.external_id or "", _("External ID")),
        Column("notes", lambda c: c.notes, _("Notes")),
        Column("created_at", lambda c: c.created_at, _("Created")),
        Column("last_interaction_at", lambda c: c.last_interaction_at, _("Last interaction")),
    ]
    columns.extend(_custom_columns(entity_label(Contact)))
    return columns


def company_columns() -> list[Column]:
    columns = [
        Column("id", lambda c: c.pk, _("ID")),
        Column("name", lambda c: c.name, _("Name")),
        Column("vat_id", lambda c: c.vat_id, _("EU VAT number")),
        Column("nip", lambda c: c.nip, _("NIP")),
        Column("regon", lambda c: c.regon, _("REGON")),
        Column("industry", lambda c: c.industry, _("Industry")),
        Column("size", lambda c: c.size, _("Size"), choices=CompanySize),
        Column("website", lambda c: c.website, _("Website")),
        Column("country", lambda c: c.country, _("Country")),
        Column("preferred_language", lambda c: c.preferred_language, _("Preferred language"), choices=Language),
        Column("email", lambda c: c.primary_email, _("E-mail")),
        Column("phone", lambda c: format_phone(c.primary_phone) if c.primary_phone else "", _("Phone")),
        Column("emails", lambda c: _names(c.emails.all(), "email"), _("All e-mails")),
        Column("phones", lambda c: _names(c.phones.all(), "number"), _("All phones")),
        Column("city", lambda c: a.city if (a := next(iter(c.addresses.all()), None)) else "", _("City")),
        Column("tags", lambda c: _names(c.tags.all(), "name"), _("Tags")),
        Column("owner", lambda c: c.owner.username, _("Owner")),
        Column("external_id", lambda c: c.external_id or "", _("External ID")),
        Column("notes", lambda c: c.notes, _("Notes")),
        Column("created_at", lambda c: c.created_at, _("Created")),
        Column("last_interaction_at", lambda c: c.last_interaction_at, _("Last interaction")),
    ]
    columns.extend(_custom_columns(entity_label(Company)))
    return columns


def _contact_export_rows(qs: QuerySet[Contact]) -> QuerySet[Contact]:
    """What the export's columns read, in a fixed number of queries per page."""
    return qs.select_related("owner").prefetch_related(
        "tags", "emails", "phones", Prefetch("company_links", queryset=ContactCompany.objects.select_related("company"))
    )


def _company_export_rows(qs: QuerySet[Company]) -> QuerySet[Company]:
    return qs.select_related("owner").prefetch_related("tags", "emails", "phones", "addresses")


def contacts_as_exported(pks: Sequence[Any]) -> list[Contact]:
    """These contacts, ready for the export's columns (an import's preview shows them so)."""
    return list(_contact_export_rows(Contact.objects.filter(pk__in=pks)))


def companies_as_exported(pks: Sequence[Any]) -> list[Company]:
    return list(_company_export_rows(Company.objects.filter(pk__in=pks)))


def contacts_for_export(user: Any, query: ListQuery) -> Iterator[Contact]:
    """The filtered list for an export by ``user`` (who needs the export permission), or of every
    contact when ``user`` is None (the system: an admin's command line)."""
    if user is not None:
        access.require_export(user)
    qs = apply(CONTACT_LIST, query, visible_contacts(user) if user is not None else Contact.objects.all(), user=user)
    return walk(CONTACT_LIST, query, _contact_export_rows(qs))


def companies_for_export(user: Any, query: ListQuery) -> Iterator[Company]:
    if user is not None:
        access.require_export(user)
    qs = apply(COMPANY_LIST, query, visible_companies(user) if user is not None else Company.objects.all(), user=user)
    return walk(COMPANY_LIST, query, _company_export_rows(qs))
