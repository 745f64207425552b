"""REST endpoints for attachments: the same rules as the screens (see ``core.attachments``)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from accord.core import attachments, idempotency
from accord.core.access import AccessDenied
from accord.core.api import ERRORS, PageOut, UserRef, expected_version
from accord.core.errors import BadRequest
from accord.core.listing import ListSpec, Sort, paginate, parse
from accord.core.models import Attachment
from accord.core.requests import AuthedRequest

router = Router(tags=["attachments"])

ATTACHMENT_LIST = ListSpec[Attachment](
    entity="core.attachment",
    filters=[],
    sorts=[Sort("created", "created_at", kind="datetime")],
    default_sort="-created",
)


class AttachmentOut(Schema):
    id: uuid.UUID
    version: int
    entity: str
    record_id: uuid.UUID
    file_name: str
    size: int
    mime_type: str
    sha256: str
    uploaded_by: UserRef | None
    created_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_entity(obj: Attachment) -> str:
        return f"{obj.record_type.app_label}.{obj.record_type.model}"

    @staticmethod
    def resolve_download_url(obj: Attachment) -> str:
        return reverse("api:attachment_download", kwargs={"attachment_id": obj.pk})


def _out(attachment: Attachment) -> dict[str, Any]:
    return AttachmentOut.from_orm(attachment).model_dump(mode="json")


@router.get("/attachments", response={200: PageOut[AttachmentOut], **ERRORS}, summary="A record's attachments")
def list_attachments(request: HttpRequest, entity: str, record_id: uuid.UUID) -> Any:
    """Newest first, after ``cursor``. ``entity`` names the kind of record (people.contact,
    people.company, sales.lead, sales.deal, sales.quote); the record must be visible to the caller."""
    record = attachments.visible_record(request.user, entity, record_id)
    try:
        query = parse(
            ATTACHMENT_LIST,
            request.GET,
            strict=True,
            default_limit=settings.ACCORD_PAGE_SIZE,
            max_limit=settings.ACCORD_API_MAX_PAGE_SIZE,
            ignore=("entity", "record_id"),
        )
    except ValidationError as exc:
        raise BadRequest(_("Unknown or invalid list parameters."), exc.message_dict) from exc
    page = paginate(ATTACHMENT_LIST, query, attachments.for_record(record).select_related("record_type"))
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.post("/attachments", response={201: AttachmentOut, **ERRORS}, summary="Attach a file (multipart)")
def upload_attachment(
    request: AuthedRequest, entity: Form[str], record_id: Form[uuid.UUID], file: File[UploadedFile]
) -> Any:
    """Refused with 422 on ``file`` when it is empty, larger than the limit or refused by the virus
    scanner. Accepts ``Idempotency-Key``: a retry with the same key and file returns the first answer."""
    record = attachments.visible_record(request.user, entity, record_id)
    if not attachments.can_attach(request.user, record):
        raise AccessDenied()
    with attachments.received(file) as incoming:
        payload = {"entity": entity, "record_id": str(record_id), "name": incoming.file_name, "sha256": incoming.sha256}
        return idempotency.respond(
            request,
            payload=payload,
            run=lambda: attachments.attach_received(actor=request.user, record=record, incoming=incoming),
            serialize=_out,
        )


@router.get("/attachments/{uuid:attachment_id}", response={200: AttachmentOut, **ERRORS}, summary="An attachment")
def get_attachment(request: HttpRequest, attachment_id: uuid.UUID, response: HttpResponse) -> Any:
    attachment, _record = attachments.visible_attachment(request.user, attachment_id)
    response["ETag"] = f'"{attachment.version}"'
    return attachment


@router.get(
    "/attachments/{uuid:attachment_id}/download",
    response={404: ERRORS[404], 401: ERRORS[401]},
    url_name="attachment_download",
    summary="Download an attachment's file",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as an attachment",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(request: HttpRequest, attachment_id: uuid.UUID) -> Any:
    attachment, _record = attachments.visible_attachment(request.user, attachment_id)
    return attachments.file_response(attachment)


@router.delete("/attachments/{uuid:attachment_id}", response={204: None, **ERRORS}, summary="Delete an attachment")
def delete_attachment(request: AuthedRequest, attachment_id: uuid.UUID) -> Any:
    attachment, _record = attachments.visible_attachment(request.user, attachment_id)
    attachments.remove_attachment(actor=request.user, attachment=attachment, expected_version=expected_version(request))
    return Status(204, None)
