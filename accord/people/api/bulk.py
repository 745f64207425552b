"""REST endpoints for bulk writes of contacts: upserts of up to 500 records keyed on external id."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema

from accord.core import access, idempotency
from accord.core.api import ERRORS, StrictSchema
from accord.core.requests import AuthedRequest
from accord.people import bulk
from accord.people.api import CONTACT_INPUT, ContactPatch, _party_data

router = Router(tags=["bulk"])

MAX_BATCH = 500


class ContactUpsertIn(ContactPatch):
    """A contact as in PATCH /contacts/{id}, found by ``external_id`` (created when none has it).
    Fields left out keep their values; lists given (e-mails, phones, tags) replace the contact's."""

    external_id: str = Field(..., min_length=1, max_length=100)


class ContactUpsertBatch(StrictSchema):
    records: list[ContactUpsertIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class UpsertResultOut(Schema):
    external_id: str
    status: str  # created, updated, unchanged, failed
    id: uuid.UUID | None = None
    errors: dict[str, list[str]] = {}


class UpsertOut(Schema):
    created: int
    updated: int
    unchanged: int
    failed: int
    results: list[UpsertResultOut]


@router.post(
    "/contacts/bulk-upsert",
    response={200: UpsertOut, **ERRORS},
    summary="Create or update up to 500 contacts by external id",
)
def upsert_contacts(request: AuthedRequest, payload: ContactUpsertBatch) -> Any:
    """Each record is matched on ``external_id``: created when no contact has it, otherwise updated
    (``version`` in a record is checked as If-Match would be). Sending the same batch again changes
    nothing. Records fail one by one (``status`` "failed" with per-field ``errors``) without
    stopping the others; the answer lists every record in the order sent. Honours Idempotency-Key."""
    if not (access.can_create(request.user) or access.can_edit_any(request.user)):
        raise access.AccessDenied()

    def run() -> list[bulk.UpsertResult]:
        records: list[dict[str, Any] | ValidationError] = []
        for item in payload.records:
            try:
                data = _party_data(request, item, CONTACT_INPUT)
            except ValidationError as exc:
                records.append(exc)
                continue
            data["external_id"] = item.external_id
            data["version"] = item.version
            records.append(data)
        return bulk.upsert_contacts(actor=request.user, records=records)

    def serialize(results: list[bulk.UpsertResult]) -> dict[str, Any]:
        counts = dict.fromkeys(("created", "updated", "unchanged", "failed"), 0)
        for result in results:
            counts[result.status] += 1
        return {
            **counts,
            "results": [
                {
                    "external_id": r.external_id,
                    "status": r.status,
                    "id": str(r.id) if r.id else None,
                    "errors": r.errors,
                }
                for r in results
            ],
        }

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=serialize, status=200
    )
