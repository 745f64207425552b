"""The live chat's channels over the API (the admins'), checked by the same chat services as the
settings screen. A channel is never deleted (its chats keep it): ``active: false`` switches it off."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accord.core import access, idempotency
from accord.core.access import AccessDenied
from accord.core.api import ERRORS, StrictSchema, expected_version
from accord.core.errors import message_dict
from accord.core.requests import AuthedRequest
from accord.service.models import ChatChannel
from accord.service.selectors import chat as chat_selectors
from accord.service.selectors import tickets as selectors
from accord.service.services import chat as services

router = Router(tags=["service"])

# A service's field name -> the request's.
FIELD_NAMES = {"queue": "queue_id", "calendar": "calendar_id"}


class ChannelOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    key: str
    queue_id: uuid.UUID
    allowed_origins: list[str]
    calendar_id: uuid.UUID | None
    title: str
    greeting: str
    active: bool


class ChannelIn(StrictSchema):
    version: int | None = None
    name: str | None = None
    queue_id: uuid.UUID | None = None
    allowed_origins: list[str] | None = None
    calendar_id: uuid.UUID | None = None
    title: str | None = None
    greeting: str | None = None
    active: bool | None = None


def _require_admin(request: HttpRequest) -> None:
    if not access.is_admin(request.user):
        raise AccessDenied()


def _call(fn: Any) -> Any:
    try:
        return fn()
    except ValidationError as exc:
        raise ValidationError({FIELD_NAMES.get(key, key): value for key, value in message_dict(exc).items()}) from exc


def _data(payload: ChannelIn) -> dict[str, Any]:
    """The body as the service takes it: ids become records (422 naming the field when there is
    none); the keys not given are left out."""
    given = payload.model_dump(exclude_unset=True, exclude={"version"})
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    for key, value in given.items():
        if key == "queue_id":
            data["queue"] = selectors.queues(active_only=False).filter(pk=value).first() if value else None
            if value is not None and data["queue"] is None:
                errors[key] = [_("No such record, or you may not see it.")]
        elif key == "calendar_id":
            data["calendar"] = selectors.calendars().filter(pk=value).first() if value else None
            if value is not None and data["calendar"] is None:
                errors[key] = [_("No such record, or you may not see it.")]
        elif value is None:
            errors[key] = [_("This field cannot be empty.")]
        else:
            data[key] = value
    if errors:
        raise ValidationError(errors)
    return data


def _channel(pk: Any) -> ChatChannel:
    found = chat_selectors.channel_detail(pk)
    if found is None:
        raise Http404
    return found


def _out(channel: ChatChannel) -> dict[str, Any]:
    return ChannelOut.from_orm(channel).model_dump(mode="json")


@router.get("/service/chat-channels", response={200: list[ChannelOut], **ERRORS})
def list_channels(request: HttpRequest) -> Any:
    """Every chat channel, the active ones first."""
    _require_admin(request)
    return list(chat_selectors.channel_settings())


@router.get("/service/chat-channels/{uuid:channel_id}", response={200: ChannelOut, **ERRORS})
def get_channel(request: HttpRequest, channel_id: uuid.UUID, response: HttpResponse) -> Any:
    _require_admin(request)
    channel = _channel(channel_id)
    response["ETag"] = f'"{channel.version}"'
    return channel


@router.post("/service/chat-channels", response={201: ChannelOut, **ERRORS})
def create_channel(request: AuthedRequest, payload: ChannelIn) -> Any:
    """A new chat widget; its ``key`` goes in the script tag on the website."""
    _require_admin(request)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: _call(lambda: services.add_channel(actor=request.user, data=_data(payload))),
        serialize=_out,
    )


@router.patch("/service/chat-channels/{uuid:channel_id}", response={200: ChannelOut, **ERRORS})
def update_channel(request: AuthedRequest, channel_id: uuid.UUID, payload: ChannelIn, response: HttpResponse) -> Any:
    """Change a channel (``active: false`` switches it off); ``If-Match`` or ``version`` guards
    against overwriting someone else's change."""
    _require_admin(request)
    channel = _channel(channel_id)
    _call(
        lambda: services.update_channel(
            actor=request.user,
            channel=channel,
            data=_data(payload),
            expected_version=expected_version(request, payload.version),
        )
    )
    channel = _channel(channel_id)
    response["ETag"] = f'"{channel.version}"'
    return channel
