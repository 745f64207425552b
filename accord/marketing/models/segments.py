"""Segments: who a campaign, an export or a call list is for.

A dynamic segment is a set of rules over contacts (``rules``, validated JSON, see
``accord/marketing/segmenting``), evaluated afresh every time it is used. A static list holds its
members as rows (``SegmentMember``): made from a segment's members at one moment, imported from a
file, or put together by hand; it changes only when someone changes it.

A segment is an owned record (owner, team, territory): the access policy decides who sees it, and
who sees which of its members, since every evaluation is scoped to the contacts the user may see.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel, OwnedModel


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic segment")
    STATIC = "static", _("Static list")


def empty_rules() -> dict[str, object]:
    return {"match": "all", "rules": []}


class Segment(OwnedModel):
    """A named set of contacts: by rules (dynamic) or by its members (static)."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=SegmentKind.choices, default=SegmentKind.DYNAMIC)
    # {"match": "all"|"any", "rules": [rule or group, ...]}; a rule is {"type": ..., its parameters}.
    rules = models.JSONField(_("rules"), default=empty_rules, blank=True)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_static(self) -> bool:
        return self.kind == SegmentKind.STATIC


class SegmentMember(models.Model):
    """A contact on a static list."""

    id = models.BigAutoField(primary_key=True)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "contact"], name="segment_member_unique")]
        indexes = [models.Index(fields=["contact"], name="segment_member_contact_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.segment_id}"
