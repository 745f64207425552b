"""Request-wide guards that answer before any view runs."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MB = 1024 * 1024


def body_limit(request: HttpRequest) -> int:
    """The largest body accepted: uploads (attachments, imports) as large as their settings allow,
    anything else as large as Django reads into memory (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    if request.content_type == "multipart/form-data":
        largest = max(settings.ACCORD_MAX_UPLOAD_MB * MB, settings.ACCORD_IMPORT_MAX_BYTES)
        return largest + MB  # the form's other fields and the multipart framing
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) or 2_621_440


class BodySizeLimitMiddleware:
    """A body over the limit is refused with 413 and the limit stated, before anything reads it
    (Django would otherwise answer a bare 400, or the API a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request)
        if length > limit:
            return self._too_large(request, limit)
        if request.method == "POST" and request.content_type == "multipart/form-data":
            # The files may be large, the other fields not: Django refuses those past
            # DATA_UPLOAD_MAX_MEMORY_SIZE while parsing, which happens here rather than in the CSRF
            # check, where the refusal would become a bare 400.
            try:
                request.POST  # noqa: B018
            except RequestDataTooBig:
                return self._too_large(request, int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0))
            except (MultiPartParserError, OSError):
                pass  # malformed: whoever reads the body next answers it as before
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
        message = _("The request is too large: the limit is %(size)s MB.") % {
            "size": number_format(round(limit / MB, 1), decimal_pos=1)
        }
        if request.path.startswith("/api/"):
            body = json.dumps({"message": message, "errors": {}})
            return HttpResponse(body, status=413, content_type="application/json; charset=utf-8")
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
