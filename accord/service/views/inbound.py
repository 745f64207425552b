"""E-mail customers write to a queue, posted by a mail provider's inbound webhook (no sign-in: the
provider proves itself with the shared ``ACCORD_SERVICE_INBOUND_TOKEN``, as a bearer token or
``?token=``).

The body is the raw message (``Content-Type: message/rfc822``, or a form field ``email``,
``message`` or ``body-mime``, as a text or a file: the "raw" shape SendGrid, Mailgun and Postmark
post) or JSON with the fields a provider parsed: ``from``, ``to``, ``cc``, ``subject``, ``text``,
``html``, ``message_id``, ``in_reply_to``, ``references``. Either way it is filed as mail read
from a mailbox is. Answers are JSON: 200 with the ticket (``null`` for mail left alone, such as an
auto-reply), 400 naming what is wrong, 401 for a wrong token, 404 when no token is configured
(the endpoint is off).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accord.core.errors import message_dict
from accord.service.services import inbound_mail

RAW_FIELDS = ("email", "message", "body-mime")


def _authorised(request: HttpRequest, expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else request.GET.get("token", "")
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _raw(request: HttpRequest) -> bytes:
    """The raw message in the post; ValidationError naming the field when there is none."""
    if request.content_type == "message/rfc822":
        return request.read(inbound_mail.MAX_MESSAGE_BYTES + 1)
    if request.content_type == "application/json":
        try:
            data: Any = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ValidationError({"body": [_("The body is not valid JSON.")]}) from None
        if not isinstance(data, dict):
            raise ValidationError({"body": [_("Expected a JSON object.")]})
        return inbound_mail.compose(data)
    for name in RAW_FIELDS:
        upload = request.FILES.get(name)
        if upload is not None:
            return upload.read(inbound_mail.MAX_MESSAGE_BYTES + 1)
        text = request.POST.get(name)
        if text:
            return text.encode("utf-8", "surrogateescape")
    raise ValidationError(
        {"email": [_("Post the raw message as message/rfc822 or in a form field email or message, or JSON.")]}
    )


@csrf_exempt
@never_cache
@require_POST
def mail_inbound(request: HttpRequest) -> JsonResponse:
    expected = getattr(settings, "ACCORD_SERVICE_INBOUND_TOKEN", "")
    if not expected:
        raise Http404
    if not _authorised(request, expected):
        return JsonResponse({"detail": _("The token is missing or wrong.")}, status=401)
    try:
        message = inbound_mail.receive(_raw(request), strict=True)
    except RequestDataTooBig:
        return JsonResponse({"detail": _("The message is too large.")}, status=413)
    except ValidationError as exc:
        return JsonResponse({"detail": _("The message was not filed."), "errors": message_dict(exc)}, status=400)
    if message is None:
        return JsonResponse({"ticket": None, "filed": False})
    ticket = message.ticket
    return JsonResponse(
        {"ticket": ticket.number, "ticket_id": str(ticket.pk), "message_id": str(message.pk), "filed": True}
    )
