"""The timeline (with its composer) and the open tasks, on contact and company 360° pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from accord.activities import selectors
from accord.activities.forms import InteractionForm, TaskForm
from accord.activities.models import InteractionChannel
from accord.core import access, panels
from accord.core import selectors as core_selectors
from accord.core.models import entity_label
from accord.identity.selectors import assignable_users
from accord.people.models import Company, Contact

COMPOSER_CHANNELS = [
    (InteractionChannel.PHONE, "phone"),
    (InteractionChannel.EMAIL, "mail"),
    (InteractionChannel.MEETING, "users"),
    (InteractionChannel.NOTE, "note"),
]


def party_from_request(request: HttpRequest, data: Any) -> Contact | Company:
    """The contact or company named by ``contact=`` or ``company=``, if the user may see it."""
    if data.get("contact"):
        return core_selectors.visible_one(request.user, Contact, data["contact"])
    if data.get("company"):
        return core_selectors.visible_one(request.user, Company, data["company"])
    raise Http404


def timeline_context(
    request: HttpRequest, party: Contact | Company, *, cursor: str = "", channel: str = "", form: Any = None
) -> dict[str, Any]:
    page = selectors.timeline(party, cursor=cursor, channel=channel)
    return {
        "party": party,
        "party_field": "contact" if isinstance(party, Contact) else "company",
        "page": page,
        "channel": channel,
        "channels": InteractionChannel.choices,
        "composer_channels": COMPOSER_CHANNELS,
        "form": form or InteractionForm(initial={"channel": InteractionChannel.PHONE, "direction": "out"}),
        "can_log": access.can_create(request.user),
    }


def tasks_context(request: HttpRequest, party: Contact | Company) -> dict[str, Any]:
    return {
        "party": party,
        "party_field": "contact" if isinstance(party, Contact) else "company",
        "tasks": selectors.open_tasks_of(request.user, party),
        "task_form": TaskForm(initial={"owner": request.user.pk}, assignable=assignable_users(request.user)),
        "can_add": access.can_create(request.user),
    }


for model in (Contact, Company):
    panels.register(
        entity_label(model),
        panels.Panel(
            name="timeline", template="activities/_timeline.html", context=timeline_context, slot="main", order=10
        ),
    )
    panels.register(
        entity_label(model),
        panels.Panel(
            name="tasks", template="activities/_tasks_panel.html", context=tasks_context, slot="side", order=10
        ),
    )
