"""Where a request may send the browser next: only back into this site, by a path.

Every redirect whose target comes from the request (a form's ``next`` or ``path``, a query
parameter) goes through ``safe_path``. Only a relative path that starts with a single ``/`` is
followed; anything else (``https://evil.example``, ``//evil.example``, ``/\\evil.example``,
``https:evil.example``, ``https://crm@evil.example``, ``javascript:...``, a control character a
browser would drop) gives the fallback.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_path(candidate: Any, fallback: str) -> str:
    """``candidate`` when it is a path on this site, else ``fallback``."""
    if not isinstance(candidate, str) or not candidate.startswith("/"):
        return fallback
    # Browsers read "//host" and "/\host" as another site, and drop tabs and newlines first.
    if candidate[1:2] in ("/", "\\") or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        return fallback
    # No allowed host at all: whatever Django reads a host or scheme into is refused.
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts=None):
        return fallback
    return candidate


def safe_next(request: HttpRequest, fallback: str, *, field: str = "next") -> str:
    """The ``next`` (or ``field``) a form posted, when it is a path on this site; else ``fallback``."""
    return safe_path(request.POST.get(field, ""), fallback)
