"""The request of a signed-in user, as views and API endpoints that act for one declare it.

Django types ``request.user`` as "a user or the anonymous user"; the services take a ``User`` (or
None for the system). Screens behind ``login_required`` and API endpoints behind the API's
authentication always have a signed-in user, so they say so in their signature, the way
django-stubs suggests, instead of casting at every call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from accord.identity.models import User


class AuthedRequest(HttpRequest):
    user: User
