"""Reads of core's shared records under the access policy."""

from __future__ import annotations

from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accord.core import access
from accord.core import history as history_rows
from accord.core.models import AuditEntry, CustomFieldDefinition, SavedView, Tag, entity_label

M = TypeVar("M", bound=models.Model)


# --- any record, through the policy ----------------------------------------------------------------------


def visible(user: Any, model: type[M]) -> QuerySet[M]:
    """Every record of ``model`` that ``user`` may see (for screens written once for several
    models, such as the contact and company pages)."""
    return access.scope(user, model._default_manager.all())


def visible_one(user: Any, model: type[M], pk: Any) -> M:
    """One record of ``model`` that ``user`` may see; Http404 for one out of sight, missing or
    named by a malformed key."""
    return access.get_visible(user, model._default_manager.all(), pk=pk)


def find_visible(user: Any, model: type[M], pk: Any) -> M | None:
    """Like ``visible_one``, but None instead of Http404: for a field of a form or a request body
    naming a related record, whose error then names the field."""
    if pk in (None, ""):
        return None
    try:
        return visible(user, model).filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def _tagged_models() -> list[tuple[type[models.Model], str]]:
    """Every owned model with a many-to-many to Tag, and the field's name (contacts, companies...)."""
    found = []
    for model in apps.get_models():
        if not access.is_owned_model(model):
            continue
        for field in model._meta.many_to_many:
            if field.remote_field.model is Tag:
                found.append((model, field.name))
    return found


def visible_tags(user: Any) -> models.QuerySet[Tag]:
    """The tags ``user`` may see: all of them for those who see every record, otherwise the tags on
    records they can see. A tag is only a name, but a name can say a lot ("competitor's client",
    "to be dismissed"), so another team's labels are not shown."""
    if access.sees_all(user):
        return Tag.objects.all()
    # Asked per tag ("is there one visible record with it?"), which stops at the first such
    # record: collecting the tags of every visible record instead read all of a sales rep's
    # contacts and companies (0.6 s at a million contacts) for each list page's tag filter.
    used = Q(pk__in=[])
    for model, field in _tagged_models():
        through: Any = model._meta.get_field(field).remote_field.through  # type: ignore[union-attr]
        if access.is_owned_model(through):
            # The link rows carry their record's owner, team and territory (people.TagLink): the
            # question is answered in the links' index without reading a record.
            tag_fk = model._meta.get_field(field).m2m_reverse_field_name()  # type: ignore[union-attr]
            links = access.scope(user, through._default_manager.filter(**{tag_fk: OuterRef("pk")}))
            used |= Q(Exists(links))
        else:
            used |= Q(Exists(access.scope(user, model._default_manager.all()).filter(**{field: OuterRef("pk")})))
    return Tag.objects.filter(used)


def all_tags() -> QuerySet[Tag]:
    """Every tag, for the catalogue's price lists: a price list applies to every company with its
    tag, whoever can see those companies."""
    return Tag.objects.all()


def find_tag(pk: Any) -> Tag | None:
    try:
        return Tag.objects.filter(pk=pk).first() if pk not in (None, "") else None
    except (ValueError, TypeError, ValidationError):
        return None


def custom_field_definitions(*, entity: str = "", active: bool | None = None) -> QuerySet[CustomFieldDefinition]:
    """Custom field definitions (settings: the same for everyone), of one entity or all."""
    qs = CustomFieldDefinition.objects.all()
    if entity:
        qs = qs.filter(entity=entity)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def custom_field_definition(pk: Any) -> CustomFieldDefinition:
    """One custom field definition; Http404 when there is none."""
    return _get_or_404(CustomFieldDefinition.objects.all(), pk)


def saved_view(user: Any, pk: Any) -> SavedView:
    """A saved list view ``user`` may see: their own or a shared one, any for an administrator
    (who may delete them). Http404 otherwise."""
    qs = SavedView.objects.all()
    if not access.is_admin(user):
        qs = qs.filter(Q(user_id=user.pk) | Q(shared=True))
    return _get_or_404(qs, pk)


def _get_or_404(qs: QuerySet[M], pk: Any) -> M:
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


# --- the audit trail ------------------------------------------------------------------------------------


def audit_entries(user: Any, obj: models.Model, *, limit: int = 200) -> list[AuditEntry]:
    """The newest ``limit`` audit entries of ``obj``, as stored (the API's history). Http404 when
    ``user`` may not see ``obj``: its history is as out of sight as the record."""
    if not access.can_view(user, obj):
        raise Http404
    entries = AuditEntry.objects.filter(entity=entity_label(obj), object_id=obj.pk).select_related("actor")
    found = list(entries.order_by("-at", "-id")[:limit])
    if not access.sees_amounts(user):
        # Who may not see amounts does not read them in a record's history either (shown, not saved).
        money = history_rows.money_names(type(obj))
        for entry in found:
            if isinstance(entry.changes, dict):
                entry.changes = {name: pair for name, pair in entry.changes.items() if name not in money}
    return found


def history(user: Any, obj: models.Model, *, limit: int = 100) -> list[history_rows.Row]:
    """``obj``'s History card: the newest ``limit`` audit entries as rows ready to show."""
    return history_rows.rows(audit_entries(user, obj, limit=limit), model=type(obj), obj=obj)
