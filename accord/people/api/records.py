"""The API's contact and company records written out directly from a selector's ``Record``.

The schemas (``ContactOut``, ``CompanyOut``) stay the documented shape of these responses; writing
the body by hand instead of validating model instances through them costs a fraction as much (a
page of twenty contacts built some 120 model instances and ran ~700 attribute lookups through the
schema's resolvers). ``tests/test_api_records.py`` checks that both give the same JSON, field by
field, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer

from accord.core.phones import format_phone
from accord.identity.models import User
from accord.people.models import Company, Contact
from accord.people.selectors import Record

_RENDERER = JSONRenderer()  # the API's own (NinjaAPI's default)
_ADDRESS = ("label", "street", "postal_code", "city", "region", "country")
_CONTACT = (
    "first_name",
    "last_name",
    "birthday",
    "preferred_language",
    "preferred_channel",
    "source",
    "preferences",
    "classification",
)
_COMPANY = ("name", "vat_id", "nip", "regon", "industry", "size", "website", "country", "preferred_language")


def _user(user: User) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "name": str(user)}


def _party(record: Record[Any]) -> dict[str, Any]:
    obj, lists = record.obj, record.lists
    return {
        "id": obj.pk,
        "version": obj.version,
        "created_at": obj.created_at,
        "updated_at": obj.updated_at,
        "owner": _user(obj.owner),
        "team_id": obj.team_id,
        "territory_id": obj.territory_id,
        "notes": obj.notes,
        "external_id": obj.external_id,
        "emails": [{"email": r["email"], "label": r["label"]} for r in lists.emails],
        "phones": [
            {"number": r["number"], "display": format_phone(r["number"]), "label": r["label"]} for r in lists.phones
        ],
        "addresses": [{name: r[name] for name in _ADDRESS} for r in lists.addresses],
        "tags": [r["name"] for r in lists.tags],
        "custom": obj.custom,
        "last_interaction_at": obj.last_interaction_at,
    }


def contact_body(record: Record[Contact]) -> dict[str, Any]:
    contact = record.obj
    body = _party(record)
    body.update({name: getattr(contact, name) for name in _CONTACT})
    body["full_name"] = contact.full_name
    body["companies"] = [
        {
            "company_id": uuid.UUID(r["company_id"]),
            "company_name": r["company_name"],
            "job_title": r["job_title"],
            "department": r["department"],
            "is_primary": bool(r["is_primary"]),
        }
        for r in record.lists.companies
    ]
    return body


def company_body(record: Record[Company]) -> dict[str, Any]:
    body = _party(record)
    body.update({name: getattr(record.obj, name) for name in _COMPANY})
    return body


def as_json(body: Any) -> Any:
    """``body`` with its dates, keys and decimals turned into what the response will hold (to be
    stored, as an idempotent replay's body is)."""
    return json.loads(_RENDERER.render(None, body, response_status=200))  # type: ignore[arg-type]


def respond(request: HttpRequest, body: Any, *, status: int = 200, etag: int | None = None) -> HttpResponse:
    """``body`` as the API's JSON response (its renderer: the same encoding of dates, keys and
    decimals as a schema-validated response)."""
    content = _RENDERER.render(request, body, response_status=status)
    response = HttpResponse(content, status=status, content_type=f"{_RENDERER.media_type}; charset={_RENDERER.charset}")
    if etag is not None:
        response["ETag"] = f'"{etag}"'
    return response
