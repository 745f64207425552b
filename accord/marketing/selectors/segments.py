"""Reads of segments and of their members, scoped by the access policy.

``members(user=..., segment=...)`` is what campaigns, exports and call lists use: the contacts of
the segment that ``user`` may see, as a queryset (a dynamic segment's rules evaluated now, a static
list's rows). A rep's evaluation of a segment an admin built holds only the rep's contacts; counts
too, since they count the same queryset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from accord.core import access
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label
from accord.marketing import segmenting
from accord.marketing.models import Segment, SegmentKind, SegmentMember
from accord.people.models import Contact
from accord.people.selectors import CONTACT_LIST

PREVIEW_SIZE = 10


def visible_segments(user: Any) -> QuerySet[Segment]:
    return access.scope(user, Segment.objects.all()).select_related("owner")


def segment_detail(user: Any, pk: Any) -> Segment:
    """A segment ``user`` may see, or Http404."""
    return access.get_visible(user, Segment.objects.select_related("owner", "team"), pk=pk)


def matching(*, user: Any, rules: Mapping[str, Any]) -> QuerySet[Contact]:
    """The contacts ``user`` may see that match ``rules`` (already cleaned), evaluated now."""
    return access.scope(user, Contact.objects.filter(segmenting.condition(rules)))


def members(*, user: Any, segment: Segment) -> QuerySet[Contact]:
    """The members of ``segment`` that ``user`` may see: a dynamic segment evaluated now, a
    static list's frozen members."""
    if segment.kind == SegmentKind.STATIC:
        listed = SegmentMember.objects.filter(segment_id=segment.pk, contact_id=OuterRef("pk"))
        return access.scope(user, Contact.objects.filter(Exists(listed)))
    return matching(user=user, rules=segment.rules or {})


def member_count(*, user: Any, segment: Segment) -> int:
    return members(user=user, segment=segment).count()


def preview(contacts: QuerySet[Contact], size: int = PREVIEW_SIZE) -> list[Contact]:
    """The first few of ``contacts`` by name, as the builder shows them."""
    return list(contacts.select_related("owner").order_by("sort_name", "id")[:size])


SEGMENT_LIST = ListSpec[Segment](
    entity=entity_label(Segment),
    filters=[
        Filter("kind", "kind", kind="choice", choices=SegmentKind.values),
        Filter("owner", "owner_id", kind="uuid"),
    ],
    sorts=[Sort("name", "name"), Sort("updated", "updated_at", kind="datetime")],
    default_sort="name",
)


def segment_page(user: Any, query: ListQuery) -> Page[Segment]:
    return paginate(SEGMENT_LIST, query, apply(SEGMENT_LIST, query, visible_segments(user), user=user))


def member_page(*, user: Any, segment: Segment, query: ListQuery) -> Page[Contact]:
    """A page of the members ``user`` sees, with the contact list's filters, sorts and cursors."""
    contacts = members(user=user, segment=segment)
    return paginate(CONTACT_LIST, query, apply(CONTACT_LIST, query, contacts, user=user))


def visible_contacts(user: Any) -> QuerySet[Contact]:
    return access.scope(user, Contact.objects.all())


def changeable_lists(user: Any) -> QuerySet[Segment]:
    """The static lists ``user`` may add contacts to."""
    lists = Segment.objects.filter(kind=SegmentKind.STATIC)
    return access.changeable(user, access.Action.CHANGE, lists).order_by("name", "id")
