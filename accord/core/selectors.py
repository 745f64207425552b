"""Reads of core's shared records under the access policy."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q

from accord.core import access
from accord.core.models import Tag


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
        used |= Q(Exists(access.scope(user, model._default_manager.all()).filter(**{field: OuterRef("pk")})))
    return Tag.objects.filter(used)
