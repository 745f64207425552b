"""List screens: what a list shows, and what may be done to many of its rows at once.

Every list of records (contacts, companies, leads, deals, quotes, products, interactions, tasks)
declares a ``ListScreen`` and registers it here: its columns (the user may hide some; a saved view
keeps the choice), its export and the bulk actions it offers. Core knows none of the lists; the
apps register theirs when they load. One set of template partials (core/_list_*.html) and one
script give every list the same export menu, column chooser, row checkboxes and bulk-action bar,
and one view (core/views/lists.py) confirms and runs bulk actions through core/bulk_actions.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accord.core import access, customfields, listing, mass
from accord.core.access import Action
from accord.core.forms import DateInput
from accord.core.listing import ListQuery, ListSpec
from accord.core.models import CustomFieldDefinition, CustomFieldType, Density, ListPreference, SavedView, as_uuid


@dataclass(frozen=True)
class Column:
    """A column of a list. ``fixed`` columns (the record's name) cannot be hidden."""

    key: str
    label: Any
    default: bool = True
    fixed: bool = False
    # An amount: neither shown nor offered to a user who may not see amounts.
    money: bool = False


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


@dataclass(frozen=True)
class LinkedAction:
    """A bulk action another app offers on a list ("Add to list" on contacts): the bar sends the
    selection (the filters on screen and the ticked rows) to ``url_name``, whose view reads it with
    ``bulk_actions.select`` and confirms and carries out the action itself."""

    name: str
    label: Any
    icon: str
    url_name: str
    offered: Callable[[Any], bool] = lambda user: True


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
    detail_url: str = ""  # URL name of a record's page (its key the one argument), for links to it
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
    # What the list calls a record's owner: "assignee" on tasks, which are done, not owned.
    owner_word: str = "owner"  # owner | assignee
    # Parameters of the list that are not filters but change what it shows (tasks: ``all``, anyone's
    # tasks rather than the user's own): kept in the links back to the list from a bulk action.
    keeps: Sequence[str] = ()
    # Bulk actions of other apps, added with ``add_linked_action``.
    linked: list[LinkedAction] = field(default_factory=list)

    @property
    def entity(self) -> str:
        return self.spec.entity

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
            return forms.CharField(required=False, widget=DateInput())
        if kind == CustomFieldType.MULTI_CHOICE:
            hint = "; ".join(definition.choices)
            return forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": hint}))
        return forms.CharField(required=False)

    return make


_SCREENS: dict[str, ListScreen] = {}


def register(screen: ListScreen) -> ListScreen:
    _SCREENS[screen.key] = screen
    return screen


def add_linked_action(key: str, action: LinkedAction) -> None:
    """Offer ``action`` on the list ``key`` (once, however often an app's start-up asks)."""
    screen = _SCREENS[key]
    screen.linked[:] = [a for a in screen.linked if a.name != action.name] + [action]


def linked_actions(screen: ListScreen, user: Any) -> list[tuple[Any, str, str]]:
    """The other apps' bulk actions ``user`` is offered on this list: (label, icon, url)."""
    return [(a.label, a.icon, url) for a in screen.linked if a.offered(user) and (url := url_or_empty(a.url_name))]


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
        label = _("Change assignee") if screen.owner_word == "assignee" else _("Change owner")
        actions.append(("owner", label, "user"))
    if edits and screen.tags and screen.update is not None:
        actions.append(("tag_add", _("Add tag"), "tag"))
        actions.append(("tag_remove", _("Remove tag"), "tag"))
    if edits and screen.update is not None and (screen.fields or editable_fields(screen)):
        actions.append(("field", _("Edit field"), "edit"))
    if screen.delete is not None and (screen.can_delete or _may_delete)(user):
        actions.append(("delete", _("Delete"), "trash"))
    return actions


def owner_choices(screen: ListScreen, user: Any, query: ListQuery) -> QuerySet[Any] | None:
    """Whom "Change owner" offers: the users ``user`` may give records to (see ``mass.owners``:
    active, and able to change a record), less the one owner the list is already filtered to,
    whose records those are. None when the list has no owner or the user may not give records."""
    assignable = screen.assignable(user) if screen.assignable is not None else None
    if assignable is None:
        return None
    choices = mass.owners(assignable)
    filtered = query.filters.get("owner", [])
    if len(filtered) == 1:
        choices = choices.exclude(pk=filtered[0])
    return choices


def owner_label(screen: ListScreen) -> Any:
    return _("Assignee") if screen.owner_word == "assignee" else _("Owner")


def describe_filters(screen: ListScreen, query: ListQuery, model: Any) -> list[tuple[str, str]]:
    """The list's filters and search in words, as a person reads them: [("Owner", "Jan
    Kowalski"), ("Search", "“acme”")]. The ticked rows (``id``) are left to the caller."""
    described: list[tuple[str, str]] = []
    filter_map = screen.spec.filter_map()
    for name, values in query.filters.items():
        if name == "id":
            continue
        flt = filter_map[name]
        field = _field_at(model, flt.path)
        named = field
        if "__" in flt.path and field is not None and field.related_model is None:
            # A field of related records ("tags__name") is named by the relation: "Tags".
            named = _field_at(model, flt.path.split("__")[0]) or field
        label = str(flt.label) if flt.label else _filter_label(screen, name, flt, named)
        described.append((label, ", ".join(_value_words(flt, field, values))))
    if query.custom:
        definitions = {d.key: d for d in customfields.definitions(screen.entity)}
        for key in query.custom:
            definition = definitions.get(key)
            label = str(definition.label) if definition is not None else key
            described.append((label, ", ".join(query.raw.get(f"{CUSTOM_PREFIX}{key}", []))))
    if query.search:
        described.append((str(_("Search")), f"“{query.search}”"))
    return described


def _field_at(model: Any, path: str) -> Any:
    """The model field a filter's path ends at (``owner_id`` -> owner), or None."""
    field = None
    for part in path.split("__"):
        if model is None:
            return None
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            try:
                field = model._meta.get_field(part.removesuffix("_id"))
            except FieldDoesNotExist:
                return None
        model = field.related_model
    return field


def _filter_label(screen: ListScreen, name: str, flt: listing.Filter, field: Any) -> str:
    if name == "owner":
        return str(owner_label(screen))
    base = str(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else name.replace("_", " ")
    base = base[:1].upper() + base[1:]
    if flt.lookup == "gte":
        return str(_("%(field)s from") % {"field": base})
    if flt.lookup in ("lte", "lt"):
        return str(_("%(field)s until") % {"field": base})
    if flt.lookup == "isnull":
        return str(_("%(field)s not set") % {"field": base})
    return base


def _value_words(flt: listing.Filter, field: Any, values: list[Any]) -> list[str]:
    if flt.kind == "bool" or flt.lookup == "isnull":
        return [str(_("Yes") if value else _("No")) for value in values]
    related = getattr(field, "related_model", None) if field is not None else None
    if flt.kind == "uuid" and related is not None:
        names = {obj.pk: str(obj) for obj in related._default_manager.filter(pk__in=values)}
        return [names.get(value, str(value)) for value in values]
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
    if choices:
        return [str(choices.get(value, value)) for value in values]
    if flt.kind == "datetime":
        return [formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT") for value in values]
    if flt.kind == "date":
        return [formats.date_format(value, "SHORT_DATE_FORMAT") for value in values]
    return [str(value) for value in values]


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
        "linked_actions": linked_actions(screen, user),
        "export_selected": url_or_empty(screen.export_url) if access.can_export(user) else "",
    }


def context(
    request: HttpRequest, screen: ListScreen, query: ListQuery, *, total: Any = None, oob: bool = False
) -> dict[str, Any]:
    """Everything the shared list partials need; the list's view adds its rows and filters."""
    look, view = look_for(request, screen)
    columns = list(screen.columns)
    if not access.sees_amounts(request.user):
        columns = [c for c in columns if not c.money]
        money = {c.key for c in screen.columns if c.money}
        look = Look(tuple(c for c in look.columns if c not in money), look.density)
    params = query_string(query, cursor=None, before=None)
    if total is None:
        total = listing.total(listing.apply(screen.spec, query, screen.visible(request.user)))
    return {
        **selection_context(screen, request.user),
        "look": look,
        "cols": dict.fromkeys(look.columns, True),
        "column_choices": [(c, c.key in look.columns) for c in columns],
        "opened_view": view,
        "query_string": params,
        "list_params": [(k, v) for k, values in query.raw.items() for v in values],
        "export_links": export_links(screen, request.user, params),
        "saved_views": visible_views(request.user, screen.entity),
        "list_total": total,
        "list_oob": oob,
    }
