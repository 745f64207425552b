"""State changes of the core's own records: saved views, list preferences and custom-field definitions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.core.models import CustomFieldDefinition, CustomFieldType, Density, ListPreference, SavedView

if TYPE_CHECKING:
    from accord.identity.models import User


def custom_field_entities() -> list[tuple[str, str]]:
    """Entities that carry a ``custom`` column, as (label, name) pairs: ``people.contact``..."""
    result = []
    for model in apps.get_models():
        if any(f.name == "custom" for f in model._meta.concrete_fields):
            result.append((model._meta.label_lower, str(model._meta.verbose_name_plural).capitalize()))
    return sorted(result)


@transaction.atomic
def save_view(
    *,
    actor: User,
    entity: str,
    name: str,
    query: str,
    shared: bool = False,
    columns: Sequence[str] = (),
    density: str = "",
) -> SavedView:
    """Save a list's filters and sort under a name, with the columns and density it is seen with."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the view a name.")]})
    query = query.lstrip("?")[:1000]
    view, _created = SavedView.objects.update_or_create(
        user=actor,
        entity=entity,
        name=name[:80],
        defaults={
            "query": query,
            "shared": shared,
            "columns": [str(c)[:60] for c in columns][:50],
            "density": density if density in Density.values else "",
        },
    )
    return view


@transaction.atomic
def save_list_look(*, actor: User, entity: str, columns: Sequence[str], density: str) -> ListPreference:
    """Remember the columns and density ``actor`` chose for a list (the caller cleans them)."""
    preference, _created = ListPreference.objects.update_or_create(
        user=actor, entity=entity, defaults={"columns": list(columns), "density": density}
    )
    return preference


@transaction.atomic
def delete_view(*, actor: User, view: SavedView) -> None:
    if view.user_id != actor.pk and not access.is_admin(actor):
        raise AccessDenied()
    view.delete()


def _clean_choices(field_type: str, choices: list[str]) -> list[str]:
    cleaned: list[str] = []
    for choice in choices:
        choice = choice.strip()
        if choice and choice not in cleaned:
            cleaned.append(choice)
    if field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE) and not cleaned:
        raise ValidationError({"choices": [_("List at least one choice.")]})
    return cleaned if field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE) else []


@transaction.atomic
def create_custom_field(
    *,
    actor: User | None,
    entity: str,
    label: str,
    field_type: str,
    key: str = "",
    choices: list[str] | None = None,
    required: bool = False,
    help_text: str = "",
    position: int = 0,
) -> CustomFieldDefinition:
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied()
    if entity not in dict(custom_field_entities()):
        raise ValidationError({"entity": [_("Custom fields cannot be added to %(entity)s.") % {"entity": entity}]})
    key = slugify(key or label).replace("-", "_")[:40]
    definition = CustomFieldDefinition(
        entity=entity,
        key=key,
        label=label.strip(),
        field_type=field_type,
        choices=_clean_choices(field_type, choices or []),
        required=required,
        help_text=help_text,
        position=position,
    )
    if CustomFieldDefinition.objects.filter(entity=entity, key=key).exists():
        raise ValidationError({"key": [_("Another field of this record already uses the key %(key)s.") % {"key": key}]})
    definition.full_clean()
    definition.save()
    changes.record_create(actor=actor, obj=definition)
    return definition


@transaction.atomic
def update_custom_field(
    *,
    actor: User | None,
    definition: CustomFieldDefinition,
    label: str,
    choices: list[str] | None = None,
    required: bool = False,
    help_text: str = "",
    position: int = 0,
    active: bool = True,
) -> CustomFieldDefinition:
    """Change how a field is shown. Its key and type are fixed: stored values depend on them."""
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied()
    before = changes.snapshot(definition)
    definition.label = label.strip()
    definition.choices = _clean_choices(definition.field_type, choices or [])
    definition.required = required
    definition.help_text = help_text
    definition.position = position
    definition.active = active
    definition.full_clean()
    definition.version += 1
    definition.save()
    changes.record_update(actor=actor, obj=definition, before=before)
    return definition
