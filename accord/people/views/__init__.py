"""The company and contact screens. Both kinds of record share one set of views, configured by a
``Kind``; what differs (columns, fields, the page header) lives in their templates."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import access, customfields, exports, lists, panels, search
from accord.core import selectors as core_selectors
from accord.core.access import AccessDenied, Action
from accord.core.errors import Conflict
from accord.core.forms import apply_errors
from accord.core.htmx import is_htmx
from accord.core.listing import ListSpec, parse
from accord.core.models import entity_label
from accord.identity.selectors import active_users, assignable_users
from accord.people import duplicates, merging, selectors, services
from accord.people.forms import ROW_CHOICES, CompanyForm, ContactForm, company_initial, contact_initial, rows_of
from accord.people.models import Company, CompanySize, Contact, Language, Source
from accord.people.validators import normalize_phone


@dataclass(frozen=True)
class Kind:
    name: str
    model: Any
    spec: ListSpec[Any]
    page: Callable[..., Any]
    total: Callable[..., Any]
    detail: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    merge: Callable[..., Any]
    columns: Callable[[], list[exports.Column]]
    export_rows: Callable[..., Any]
    form_class: type
    initial: Callable[[Any], dict[str, Any]]
    title: str
    title_plural: str

    @property
    def entity(self) -> str:
        return entity_label(self.model)

    def url(self, view: str, *args: Any) -> str:
        return reverse(f"people:{self.name}-{view}", args=args)


CONTACT = Kind(
    name="contact",
    model=Contact,
    spec=selectors.CONTACT_LIST,
    page=selectors.contact_page,
    total=selectors.contact_total,
    detail=selectors.contact_detail,
    create=lambda actor, data: services.create_contact(actor=actor, data=data),
    update=lambda actor, obj, data, version: services.update_contact(
        actor=actor, contact=obj, data=data, expected_version=version
    ),
    delete=lambda actor, obj, version: services.delete_contact(actor=actor, contact=obj, expected_version=version),
    merge=lambda actor, survivor, others, version: merging.merge_contacts(
        actor=actor, survivor=survivor, duplicates=others, expected_version=version
    ),
    columns=selectors.contact_columns,
    export_rows=selectors.contacts_for_export,
    form_class=ContactForm,
    initial=contact_initial,
    title="contact",
    title_plural="contacts",
)

COMPANY = Kind(
    name="company",
    model=Company,
    spec=selectors.COMPANY_LIST,
    page=selectors.company_page,
    total=selectors.company_total,
    detail=selectors.company_detail,
    create=lambda actor, data: services.create_company(actor=actor, data=data),
    update=lambda actor, obj, data, version: services.update_company(
        actor=actor, company=obj, data=data, expected_version=version
    ),
    delete=lambda actor, obj, version: services.delete_company(actor=actor, company=obj, expected_version=version),
    merge=lambda actor, survivor, others, version: merging.merge_companies(
        actor=actor, survivor=survivor, duplicates=others, expected_version=version
    ),
    columns=selectors.company_columns,
    export_rows=selectors.companies_for_export,
    form_class=CompanyForm,
    initial=company_initial,
    title="company",
    title_plural="companies",
)

KINDS = {"contact": CONTACT, "company": COMPANY}


def _list_query(request: HttpRequest, kind: Kind) -> Any:
    return parse(kind.spec, request.GET, strict=False, default_limit=settings.ACCORD_PAGE_SIZE, max_limit=200)


def _query_string(query: Any, **overrides: Any) -> str:
    params = dict(query.raw)
    for key, value in overrides.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = [value]
    return urlencode([(k, v) for k, values in params.items() for v in values])


# --- list ------------------------------------------------------------------------------------------


@login_required
def list_view(request: HttpRequest, kind: Kind) -> HttpResponse:
    query = _list_query(request, kind)
    page = kind.page(request.user, query)
    total = kind.total(request.user, query, exact=request.GET.get("total") == "exact", page=page)
    htmx = is_htmx(request)
    context = {
        **lists.context(request, lists.get(kind.name), query, total=total, oob=htmx),
        "kind": kind,
        "query": query,
        "page": page,
        "total": total,
        "owners": active_users(),
        "tags": core_selectors.visible_tags(request.user)[:300],
        "languages": Language.choices,
        "sources": Source.choices,
        "sizes": CompanySize.choices,
        "sort_links": {
            s.name: _query_string(
                query, sort=("-" + s.name if query.sort == s.name else s.name), cursor=None, before=None
            )
            for s in kind.spec.sorts
        },
        "custom_filters": _custom_filters(kind, query),
        "next_link": _query_string(query, cursor=page.next_cursor, before=None) if page.next_cursor else "",
        "prev_link": _query_string(query, before=page.prev_cursor, cursor=None) if page.prev_cursor else "",
    }
    template = f"people/{kind.name}_list.html"
    if htmx:
        template += "#results"  # the rows alone: the part of the page marked "results"
        context["total_out_of_band"] = True  # the count in the page's header follows the filters
    return render(request, template, context)


def _custom_filters(kind: Kind, query: Any) -> list[dict[str, Any]]:
    """The list's custom-field filters, and those other apps add to it, with what is currently chosen."""
    filters = [
        {
            "name": f.name,
            "label": f.label,
            "type": "offered",
            "choices": f.offered,
            "value": (query.raw.get(f.name) or [""])[0],
        }
        for f in kind.spec.filters
        if f.offered
    ]
    for definition in customfields.definitions(kind.entity):
        name = f"cf.{definition.key}"
        filters.append(
            {
                "name": name,
                "label": definition.label,
                "type": definition.field_type,
                "choices": definition.choices,
                "value": (query.raw.get(name) or [""])[0],
            }
        )
    return filters


@login_required
def export_view(request: HttpRequest, kind: Kind) -> HttpResponseBase:
    if not access.can_export(request.user):
        raise AccessDenied()
    query = _list_query(request, kind)
    return exports.download(request, kind.columns(), kind.export_rows(request.user, query), kind.title_plural)


# --- detail ----------------------------------------------------------------------------------------


@login_required
def detail_view(request: HttpRequest, kind: Kind, pk: Any) -> HttpResponse:
    obj = kind.detail(request.user, pk)
    context: dict[str, Any] = {
        "kind": kind,
        "obj": obj,
        kind.name: obj,
        "panels": panels.build(request, kind.entity, obj),
        "can_change": access.can(request.user, Action.CHANGE, obj),
        "can_delete": access.can(request.user, Action.DELETE, obj),
        "custom_values": _custom_display(kind, obj),
    }
    if kind is COMPANY:
        context["people"] = selectors.company_people(request.user, obj)
    return render(request, f"people/{kind.name}_detail.html", context)


def _custom_display(kind: Kind, obj: Any) -> list[tuple[str, str]]:
    return [
        (d.label, customfields.display(d, obj.custom.get(d.key), localized=True))
        for d in customfields.definitions(kind.entity)
        if obj.custom.get(d.key) not in (None, "", [])
    ]


@login_required
def history_view(request: HttpRequest, kind: Kind, pk: Any) -> HttpResponse:
    obj = core_selectors.visible_one(request.user, kind.model, pk)
    rows = core_selectors.history(request.user, obj)
    return render(request, "core/_history.html", {"history_rows": rows, "obj": obj})


# --- create and edit --------------------------------------------------------------------------------


def _form_context(
    kind: Kind, form: Any, rows: dict[str, Any], row_errors: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """The form and its repeatable rows, each row carrying the service's errors about it."""
    for name, items in rows.items():
        for i, row in enumerate(items):
            row["errors"] = [
                m for key, messages in row_errors.items() if key.startswith(f"{name}.{i}.") for m in messages
            ]
    return {"kind": kind, "form": form, "rows": rows, "row_choices": ROW_CHOICES, **extra}


def _service_data(request: HttpRequest, kind: Kind, form: Any) -> dict[str, Any]:
    if kind is CONTACT:
        visible = selectors.visible_companies(request.user).filter(
            pk__in=[i for i in form.company_ids() if _is_uuid(i)]
        )
        return form.contact_data({str(c.pk): c for c in visible})
    return form.company_data()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _posted_rows(form: Any) -> dict[str, Any]:
    names = ["emails", "phones", "addresses"] + (["companies"] if isinstance(form, ContactForm) else [])
    return {name: form.rows(name) for name in names}


def _duplicates_of(request: HttpRequest, kind: Kind, data: dict[str, Any], exclude: Any = None) -> list[Any]:
    phones = []
    for row in data.get("phones", []):
        try:
            phones.append(normalize_phone(row["number"], settings.DEFAULT_COUNTRY))
        except ValidationError:
            continue
    emails = [row["email"] for row in data.get("emails", [])]
    if kind is CONTACT:
        return duplicates.contact_duplicates(
            request.user,
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            emails=emails,
            phones=phones,
            exclude=exclude,
        )
    return duplicates.company_duplicates(
        request.user,
        name=data.get("name", ""),
        nip=data.get("nip", ""),
        vat_id=data.get("vat_id", ""),
        emails=emails,
        phones=phones,
        exclude=exclude,
    )


@login_required
def create_view(request: HttpRequest, kind: Kind) -> HttpResponse:
    if not access.can_create(request.user):
        raise AccessDenied()
    assignable = assignable_users(request.user)
    found: list[Any] = []
    row_errors: dict[str, Any] = {}
    if request.method == "POST":
        form = kind.form_class(request.POST, assignable=assignable)
        rows = _posted_rows(form)
        if form.is_valid():
            data = _service_data(request, kind, form)
            if not request.POST.get("confirm_duplicates"):
                found = _duplicates_of(request, kind, data)
            if not found:
                try:
                    obj = kind.create(request.user, data)
                except ValidationError as exc:
                    row_errors = apply_errors(form, exc, rows=("emails", "phones", "addresses", "companies"))
                else:
                    messages.success(request, _("%(name)s was created.") % {"name": obj})
                    return redirect(kind.url("detail", obj.pk))
    else:
        initial: dict[str, Any] = {"owner": request.user.pk}
        company_id = request.GET.get("company")
        form = kind.form_class(initial=initial, assignable=assignable)
        rows = {"emails": [], "phones": [], "addresses": [], "companies": []}
        if kind is CONTACT and company_id and _is_uuid(company_id):
            company = selectors.visible_companies(request.user).filter(pk=company_id).first()
            if company is not None:
                rows["companies"] = [
                    {"company": str(company.pk), "company_name": company.name, "job_title": "", "department": ""}
                ]
    return render(
        request,
        f"people/{kind.name}_form.html",
        _form_context(kind, form, rows, row_errors, duplicates=found, creating=True),
    )


@login_required
def edit_view(request: HttpRequest, kind: Kind, pk: Any) -> HttpResponse:
    obj = kind.detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, obj):
        raise AccessDenied()
    assignable = assignable_users(request.user)
    row_errors: dict[str, Any] = {}
    conflict = False
    if request.method == "POST":
        form = kind.form_class(request.POST, assignable=assignable)
        rows = _posted_rows(form)
        if form.is_valid():
            data = _service_data(request, kind, form)
            try:
                kind.update(request.user, obj, data, form.cleaned_data.get("version"))
            except Conflict as exc:
                conflict = True
                form.add_error(None, exc.message)
            except ValidationError as exc:
                row_errors = apply_errors(form, exc, rows=("emails", "phones", "addresses", "companies"))
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect(kind.url("detail", obj.pk))
    else:
        form = kind.form_class(initial=kind.initial(obj), assignable=assignable, custom=obj.custom)
        rows = rows_of(obj)
    return render(
        request,
        f"people/{kind.name}_form.html",
        _form_context(kind, form, rows, row_errors, obj=obj, creating=False, conflict=conflict),
    )


@login_required
@require_POST
def delete_view(request: HttpRequest, kind: Kind, pk: Any) -> HttpResponse:
    obj = core_selectors.visible_one(request.user, kind.model, pk)
    version = request.POST.get("version")
    try:
        kind.delete(request.user, obj, int(version) if version and version.isdigit() else None)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(kind.url("detail", obj.pk))
    messages.success(request, _("%(name)s was deleted.") % {"name": obj})
    return redirect(kind.url("list"))


# --- merge -----------------------------------------------------------------------------------------


@login_required
def merge_view(request: HttpRequest, kind: Kind, pk: Any) -> HttpResponse:
    """Pick the duplicates of a record (suggested, or found by search) and merge them into it."""
    obj = kind.detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, obj):
        raise AccessDenied()
    visible = core_selectors.visible(request.user, kind.model)
    if request.method == "POST":
        ids = [i for i in request.POST.getlist("duplicate") if _is_uuid(i)]
        others = list(visible.filter(pk__in=ids).exclude(pk=obj.pk))
        if not others:
            messages.error(request, _("Choose at least one record to merge into this one."))
        else:
            version = request.POST.get("version")
            try:
                kind.merge(request.user, obj, others, int(version) if version and version.isdigit() else None)
            except (Conflict, ValidationError, AccessDenied) as exc:
                messages.error(request, getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [])))
            else:
                messages.success(
                    request, _("Merged %(count)d record(s) into %(name)s.") % {"count": len(others), "name": obj}
                )
                return redirect(kind.url("detail", obj.pk))
    if kind is CONTACT:
        found = duplicates.contact_duplicates(
            request.user,
            first_name=obj.first_name,
            last_name=obj.last_name,
            emails=[e.email for e in obj.emails.all()],
            phones=[p.number for p in obj.phones.all()],
            exclude=obj.pk,
        )
    else:
        found = duplicates.company_duplicates(
            request.user,
            name=obj.name,
            nip=obj.nip,
            vat_id=obj.vat_id,
            emails=[e.email for e in obj.emails.all()],
            phones=[p.number for p in obj.phones.all()],
            exclude=obj.pk,
        )
    q = request.GET.get("q", "").strip()
    searched = []
    if q:
        searched = [h.obj for h in search.ranked(visible.exclude(pk=obj.pk), q, limit=10, label=lambda r: [str(r)])]
    return render(
        request,
        "people/merge.html",
        {"kind": kind, "obj": obj, "duplicates": found, "searched": searched, "q": q},
    )


# --- company lookup (the company picker on the contact form) -----------------------------------


@login_required
def company_lookup(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    companies: list[Any] = []
    if q:
        companies = [
            h.obj
            for h in search.ranked(selectors.visible_companies(request.user), q, limit=8, label=lambda c: [c.name])
        ]
    return render(
        request, "people/_company_options.html", {"companies": companies, "q": q, "row": request.GET.get("row", "")}
    )


def kind_view(view: Callable[..., HttpResponseBase], kind: Kind) -> Callable[..., HttpResponseBase]:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return view(request, kind, *args, **kwargs)

    wrapped.__name__ = f"{kind.name}_{view.__name__}"
    return wrapped
