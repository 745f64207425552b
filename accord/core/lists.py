"""List screens: what a list shows, and what may be done to many of its rows at once.

Every list of records (contacts, companies, leads, deals, quotes, products, interactions, tasks)
declares a ``ListScreen`` and registers it here: its columns (the user may hide some; a saved view
keeps the choice), its export and the bulk actions it offers. Core knows none of the lists; the
apps register theirs when they load. One set of template partials (core/_list_*.html) and one
script give every list the same export menu, column chooser, row checkboxes and bulk-action bar,
and one view (core/views_lists.py) confirms and runs bulk actions through core/bulk_actions.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accord.core import access, customfields, listing
from accord.core.access import Action
from accord.core.listing import ListQuery, ListSpec
from accord.core.models import CustomFieldDefinition, CustomFieldType, Density, ListPreference, SavedView, as_uuid


@dataclass(frozen=True)
class Column:
    """A column of a list. ``fixed`` columns (the record's name) cannot be hidden."""

    key: str
    label: Any
    default: bool = True
    fixed: bool = False


@dataclass(frozen=True)
class EditableField:
    """A field "Edit field" may set on many records at once; ``form_field`` validates the new value
    (the service checks it again, record by record). A custom field (``custom`` is its key) is
    validated by the custom-field service instead, as the record's own form and the API do."""

    name: str
    label: Any
    form_field: Callable[[], forms.Field]
    custom: str = ""


def _changeable(user: Any, action: Action, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return access.changeable(user, action, queryset)


@dataclass
class ListScreen:
    key: str  # in URLs: /lists/<key>/...
    spec: ListSpec[Any]
    title: Any  # the records, plural: "contacts"
    list_url: str  # URL name of the list
    columns: Sequence[Column]
    visible: Callable[[Any], QuerySet[Any]]  # the rows a user may see, before the list's filters
    describe: Callable[[Any], str] = str  # a record in a sample ("Anna Nowak")
    export_url: str = ""  # URL name; the export is offered only when it resolves
    # Bulk actions: each is offered when its piece is declared.
    assignable: Callable[[Any], QuerySet[Any] | None] | None = None  # owned lists: who may get records
    tags: bool = False
    fields: Sequence[EditableField] = ()
    update: Callable[[Any, Any, dict[str, Any]], Any] | None = None  # (actor, record, data): the service
    delete: Callable[[Any, Any], Any] | None = None  # (actor, record): the service
    changeable: Callable[[Any, Action, QuerySet[Any]], QuerySet[Any]] = _changeable
    can_edit: Callable[[Any], bool] = access.can_edit_any  # whether to offer changes at all
    can_delete: Callable[[Any], bool] | None = None  # default: the role deletes something
    prefetch: Sequence[str] = ()  # what a row-by-row action reads of each record (tags)

    @property
    def entity(self) -> str:
        return self.spec.entity

    def column_map(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def default_columns(self) -> list[str]:
        return [c.key for c in self.columns if c.default or c.fixed]


CUSTOM_PREFIX = "cf."


def editable_fields(screen: ListScreen) -> list[EditableField]:
    """The fields "Edit field" offers: the list's own, then its entity's active custom fields."""
    fields = list(screen.fields)
    if screen.spec.custom_fields and screen.update is not None:
        fields.extend(
            EditableField(f"{CUSTOM_PREFIX}{d.key}", d.label, _custom_form_field(d), custom=d.key)
            for d in customfields.definitions(screen.entity)
        )
    return fields


def _custom_form_field(definition: CustomFieldDefinition) -> Callable[[], forms.Field]:
    """The input of a custom field's new value; what it accepts is the custom-field service's to say."""
    kind = definition.field_type

    def make() -> forms.Field:
        if kind == CustomFieldType.CHOICE:
            return forms.ChoiceField(choices=[("", "—"), *((c, c) for c in definition.choices)], required=False)
        if kind == CustomFieldType.BOOLEAN:
            return forms.ChoiceField(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))], required=False)
        if kind == CustomFieldType.DATE:
            return forms.CharField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
        if kind == CustomFieldType.MULTI_CHOICE:
            hint = "; ".join(definition.choices)
            return forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": hint}))
        return forms.CharField(required=False)

    return make


_SCREENS: dict[str, ListScreen] = {}


def register(screen: ListScreen) -> ListScreen:
    _SCREENS[screen.key] = screen
    return screen


def get(key: str) -> ListScreen:
    try:
        return _SCREENS[key]
    except KeyError as exc:
        raise Http404 from exc


def url_or_empty(name: str, *args: Any) -> str:
    """The URL of ``name``, or "" while no app provides it."""
    if not name:
        return ""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- how a list looks: columns and density ----------------------------------------------------------


@dataclass(frozen=True)
class Look:
    columns: tuple[str, ...]
    density: str

    @property
    def compact(self) -> bool:
        return self.density == Density.COMPACT


def clean_look(screen: ListScreen, columns: Sequence[str], density: str) -> Look:
    """Known columns in the list's order (fixed ones always in); an unknown density is the default."""
    wanted = set(columns)
    chosen = tuple(c.key for c in screen.columns if c.fixed or c.key in wanted)
    return Look(chosen, density if density in Density.values else Density.COMFORTABLE)


def visible_views(user: Any, entity: str) -> QuerySet[SavedView]:
    return SavedView.objects.filter(Q(user=user) | Q(shared=True), entity=entity)


def look_for(request: HttpRequest, screen: ListScreen) -> tuple[Look, SavedView | None]:
    """The columns and density to show: the saved view being opened (``?view=``), else the user's
    last choice for this list, else the list's defaults."""
    view_id = as_uuid(request.GET.get("view", ""))
    if view_id is not None:
        view = visible_views(request.user, screen.entity).filter(pk=view_id).first()
        if view is not None and (view.columns or view.density):
            return clean_look(screen, view.columns or screen.default_columns(), view.density), view
    user: Any = request.user  # signed in: every list view requires it
    preference = ListPreference.objects.filter(user=user, entity=screen.entity).first()
    if preference is not None:
        return clean_look(screen, preference.columns or screen.default_columns(), preference.density), None
    return Look(tuple(screen.default_columns()), Density.COMFORTABLE), None


# --- what a list's template gets -------------------------------------------------------------------


def query_string(query: ListQuery, **overrides: Any) -> str:
    """The list's parameters as on screen (filters, search, sort), with ``overrides`` applied."""
    params = dict(query.raw)
    for key, value in overrides.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = [value]
    return urlencode([(k, v) for k, values in params.items() for v in values])


EXPORT_FORMATS = (("csv", _("CSV")), ("csv_excel", _("CSV for Excel")), ("xlsx", _("Excel (XLSX)")))


def export_links(screen: ListScreen, user: Any, params: str) -> list[tuple[Any, str]]:
    base = url_or_empty(screen.export_url)
    if not base or not access.can_export(user):
        return []
    joiner = "&" if params else ""
    return [(label, f"{base}?{params}{joiner}format={code}") for code, label in EXPORT_FORMATS]


def bulk_actions(screen: ListScreen, user: Any) -> list[tuple[str, Any, str]]:
    """The bulk actions ``user`` is offered on this list: (name, label, icon)."""
    actions: list[tuple[str, Any, str]] = []
    edits = screen.can_edit(user)
    if edits and screen.assignable is not None and screen.assignable(user) is not None:
        actions.append(("owner", _("Change owner"), "user"))
    if edits and screen.tags and screen.update is not None:
        actions.append(("tag_add", _("Add tag"), "tag"))
        actions.append(("tag_remove", _("Remove tag"), "tag"))
    if edits and screen.update is not None and (screen.fields or editable_fields(screen)):
        actions.append(("field", _("Edit field"), "edit"))
    if screen.delete is not None and (screen.can_delete or _may_delete)(user):
        actions.append(("delete", _("Delete"), "trash"))
    return actions


def _may_delete(user: Any) -> bool:
    role = getattr(user, "role", None)
    if role is None or not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser or role.is_admin or role.delete_reach != "none")


def selection_context(screen: ListScreen, user: Any) -> dict[str, Any]:
    """What a row needs to render its selection checkbox: also for a row swapped in alone (a task
    ticked done), which must keep its checkbox."""
    return {
        "screen": screen,
        "bulk": bulk_actions(screen, user),
        "export_selected": url_or_empty(screen.export_url) if access.can_export(user) else "",
    }


def context(
    request: HttpRequest, screen: ListScreen, query: ListQuery, *, total: Any = None, oob: bool = False
) -> dict[str, Any]:
    """Everything the shared list partials need; the list's view adds its rows and filters."""
    look, view = look_for(request, screen)
    params = query_string(query, cursor=None, before=None)
    if total is None:
        total = listing.total(listing.apply(screen.spec, query, screen.visible(request.user)))
    return {
        **selection_context(screen, request.user),
        "look": look,
        "cols": dict.fromkeys(look.columns, True),
        "column_choices": [(c, c.key in look.columns) for c in screen.columns],
        "opened_view": view,
        "query_string": params,
        "list_params": [(k, v) for k, values in query.raw.items() for v in values],
        "export_links": export_links(screen, request.user, params),
        "saved_views": visible_views(request.user, screen.entity),
        "list_total": total,
        "list_oob": oob,
    }
