"""API plumbing shared by every app's router, and the core's own endpoints (search, custom fields,
tags, the current user)."""

from __future__ import annotations

import datetime
import functools
import re
import typing
import uuid
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, ValidationInfo, field_validator, model_validator

from accord.core import access
from accord.core.errors import BadRequest
from accord.core.global_search import search_all
from accord.core.listing import ListQuery, ListSpec, parse
from accord.core.selectors import custom_field_definitions, visible_tags

T = TypeVar("T")

router = Router(tags=["core"])


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class StrictSchema(Schema):
    """Input schemas reject fields they do not know: a typo is a 422, not a silent no-op. No text
    may carry a NUL character, which no database column can store."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        """Validate the input once. ninja's own root validator (which this replaces) validates a
        schema that forbids extra fields twice, the second time through its ORM attribute getter,
        and so every nested schema four, eight... times: a batch of 500 records paid for it in
        whole milliseconds per record. Input schemas read plain JSON, never model instances."""
        return handler(values)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError(_("Text cannot contain NUL characters."))
            return value
        # A field holding nested schemas is left to them: each checks its own fields.
        if not _holds_schema(cls, info.field_name) and _has_nul(value):
            raise ValueError(_("Text cannot contain NUL characters."))
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _times_in_utc(cls, value: Any) -> Any:
        """Times with an offset are kept in UTC: ISO 8601 allows offsets such as +23:21 that
        PostgreSQL refuses to store."""
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.astimezone(datetime.UTC)
        return value


@functools.cache
def _holds_schema(schema: type[BaseModel], name: str | None) -> bool:
    def nested(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return True
        return any(nested(arg) for arg in typing.get_args(annotation))

    field = schema.model_fields.get(name or "")
    return field is not None and nested(field.annotation)


class UserRef(Schema):
    id: uuid.UUID
    username: str
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class ErrorOut(Schema):
    message: str
    errors: dict[str, list[str]] = {}


class PageOut(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int | None = None
    # True when ``total`` is an estimate ("about N"): a large list is not counted unless ?total=exact.
    total_is_estimate: bool | None = None


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}

_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def expected_version(request: HttpRequest, body_version: int | None = None) -> int | None:
    """The version the caller last read: ``version`` in the body, or the If-Match header."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match")
    if not header:
        return None
    match = _IF_MATCH.match(header)
    if match is None:
        raise BadRequest(_('If-Match must be the record\'s version, e.g. "3".'), {"If-Match": [_("Not a version.")]})
    return int(match.group(1))


def amounts_hidden(context: Any) -> bool:
    """For a response schema's resolver (``def resolve_amount(obj, context)``): is the response for
    a user who may not see amounts (``access.sees_amounts``), whose amount fields are then null? A
    schema built outside a response must be given ``context={"request": request}``: without one the
    amounts are hidden, never shown by mistake."""
    request = (context or {}).get("request")
    return request is None or not access.sees_amounts(request.user)


def list_query(request: HttpRequest, spec: ListSpec[Any]) -> ListQuery:
    """Parse list parameters strictly: an unknown filter or sort is a 400, never passed to SQL."""
    try:
        return parse(
            spec,
            request.GET,
            strict=True,
            default_limit=settings.ACCORD_PAGE_SIZE,
            max_limit=settings.ACCORD_API_MAX_PAGE_SIZE,
            ignore=("total",),
            user=request.user,
        )
    except ValidationError as exc:
        raise BadRequest(_("Unknown or invalid list parameters."), exc.message_dict) from exc


def wants_total(request: HttpRequest) -> bool:
    return request.GET.get("total", "").lower() in {"1", "true", "yes", "exact"}


def wants_exact_total(request: HttpRequest) -> bool:
    return request.GET.get("total", "").lower() == "exact"


def list_parameters(spec: ListSpec[Any]) -> dict[str, Any]:
    """OpenAPI descriptions of a list's query parameters, generated from its spec."""
    types = {
        "uuid": ("string", "uuid"),
        "int": ("integer", None),
        "bool": ("boolean", None),
        "date": ("string", "date"),
        "datetime": ("string", "date-time"),
    }
    params: list[dict[str, Any]] = [
        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Text search"},
        {
            "name": "sort",
            "in": "query",
            "schema": {"type": "string", "enum": [s.name for s in spec.sorts] + [f"-{s.name}" for s in spec.sorts]},
            "description": f"Sort key; prefix - for descending. Default {spec.default_sort}.",
        },
        {
            "name": "cursor",
            "in": "query",
            "schema": {"type": "string"},
            "description": "next_cursor of the previous page",
        },
        {
            "name": "before",
            "in": "query",
            "schema": {"type": "string"},
            "description": "prev_cursor, to page backwards",
        },
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": settings.ACCORD_API_MAX_PAGE_SIZE},
        },
        {
            "name": "total",
            "in": "query",
            "schema": {"type": "string", "enum": ["true", "false", "exact"]},
            "description": "Include the total: true may estimate a large list (total_is_estimate); exact counts it",
        },
    ]
    for flt in spec.filters:
        kind, fmt = types.get(flt.kind, ("string", None))
        schema: dict[str, Any] = {"type": kind}
        if fmt:
            schema["format"] = fmt
        if flt.choices:
            schema["enum"] = list(flt.choices)
        params.append(
            {
                "name": flt.name,
                "in": "query",
                "schema": schema,
                "description": "Comma-separated values mean any of them",
            }
        )
    if spec.custom_fields:
        params.append(
            {"name": "cf.<key>", "in": "query", "schema": {"type": "string"}, "description": "Filter on a custom field"}
        )
    return {"parameters": params}


# --- core endpoints -----------------------------------------------------------------------------------


class MeOut(Schema):
    id: uuid.UUID
    username: str
    name: str
    email: str
    role: str
    language: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_role(obj: Any) -> str:
        return obj.role.code


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request: HttpRequest) -> Any:
    return request.user


class CustomFieldOut(Schema):
    entity: str
    key: str
    label: str
    field_type: str
    choices: list[str]
    required: bool
    help_text: str


@router.get("/custom-fields", response=list[CustomFieldOut], summary="Custom field definitions")
def custom_fields(request: HttpRequest, entity: str | None = None) -> Any:
    return list(custom_field_definitions(entity=entity or "", active=True))


class TagOut(Schema):
    id: uuid.UUID
    name: str
    color: str


@router.get("/tags", response=list[TagOut], summary="Tags")
def tags(request: HttpRequest) -> Any:
    return list(visible_tags(request.user))


class SearchMatchOut(Schema):
    label: str = Field(description='The field that matched ("e-mail", "phone", "tax id"...); empty for the title.')
    value: str
    start: int = Field(description="Where the match starts in `value`; -1 for a near miss (a typo).")
    end: int


class SearchHitOut(Schema):
    type: str = Field(description="contact, company, lead, deal or quote")
    id: uuid.UUID
    title: str
    subtitle: str
    url: str
    score: float
    matched: SearchMatchOut | None = Field(description="Where the query was found: the title or another field.")


@router.get("/search", response={200: list[SearchHitOut], **ERRORS}, summary="Global search")
def global_search(request: HttpRequest, q: str, limit: int = 10) -> Any:
    if not 1 <= limit <= 50:
        raise BadRequest(_("limit must be from 1 to 50."), {"limit": [_("Enter a number from 1 to 50.")]})
    return [
        {
            "type": h.type,
            "id": h.id,
            "title": h.title,
            "subtitle": h.subtitle,
            "url": h.url,
            "score": h.score,
            "matched": _match_out(h.in_title or h.matched),
        }
        for h in search_all(request.user, q, limit=limit)
    ]


def _match_out(match: Any) -> dict[str, Any] | None:
    if match is None:
        return None
    return {"label": match.label, "value": match.value, "start": match.start, "end": match.end}
