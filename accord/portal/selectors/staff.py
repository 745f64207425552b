"""The staff's reads of the portal: a contact to invite, as the access policy lets them see it."""

from __future__ import annotations

from typing import Any

from accord.core import access
from accord.people.models import Contact


def invitable_contact(user: Any, pk: Any) -> Contact:
    """A contact ``user`` may see (Http404 otherwise); the invitation checks they may change it."""
    return access.get_visible(user, Contact.objects.all(), pk=pk)
