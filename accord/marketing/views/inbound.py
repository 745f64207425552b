"""Text messages customers send back, posted by the SMS gateway (no sign-in: the gateway proves
itself with the shared ``ACCORD_SMS_INBOUND_TOKEN``, as a bearer token or ``?token=``).

The body is JSON or a form with the sender (``from``, ``sender``, ``msisdn`` or ``phone``), the
text (``text``, ``message``, ``body`` or ``content``) and, when the gateway gives one, its id of
the message (``id``, ``message_id`` or ``sms_id``), which makes a repeated post harmless. Answers
are JSON: 200 with what was done, 400 naming the field, 401 for a wrong token, 404 when no token
is configured (the endpoint is off).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accord.core.errors import message_dict
from accord.marketing.services import inbound_sms

SENDER = ("from", "sender", "msisdn", "phone")
TEXT = ("text", "message", "body", "content")
ID = ("id", "message_id", "sms_id")


def _first(data: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    return next((data[n] for n in names if data.get(n) not in (None, "")), "")


def _authorised(request: HttpRequest, expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else request.GET.get("token", "")
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


@csrf_exempt
@never_cache
@require_POST
def sms_inbound(request: HttpRequest) -> JsonResponse:
    expected = getattr(settings, "ACCORD_SMS_INBOUND_TOKEN", "")
    if not expected:
        raise Http404
    if not _authorised(request, expected):
        return JsonResponse({"detail": _("The token is missing or wrong.")}, status=401)
    data: Mapping[str, Any]
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return JsonResponse({"detail": _("The body is not valid JSON.")}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"detail": _("Expected a JSON object.")}, status=400)
    else:
        data = request.POST
    try:
        received = inbound_sms.receive(
            sender=_first(data, SENDER), text=_first(data, TEXT), external_id=_first(data, ID)
        )
    except ValidationError as exc:
        return JsonResponse({"detail": _("The message was not recorded."), "errors": message_dict(exc)}, status=400)
    return JsonResponse(
        {
            "phone": received.phone,
            "stopped": received.stopped,
            "contacts": [str(pk) for pk in received.contact_ids],
            "duplicate": received.duplicate,
        }
    )
