"""The REST API at /api/v1: every app's router behind one authentication and one error format.

Every error is JSON ``{"message": "...", "errors": {"field": ["why"]}}``: 400 malformed request
(a body that cannot be parsed, multipart included), 401 not authenticated, 403 not allowed, 404
absent or out of sight (and any path under /api/ that no endpoint answers, a trailing slash
included), 409 stale version, 422 invalid fields. Bad input never produces a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from accord import __version__
from accord.activities.api import router as activities_router
from accord.analytics.api import router as analytics_router
from accord.billing.api import router as billing_router
from accord.core.access import AccessDenied
from accord.core.api import router as core_router
from accord.core.api.attachments import router as attachments_router
from accord.core.errors import BadRequest, Conflict, input_error_message, message_dict
from accord.core.idempotency import IdempotencyMismatch
from accord.core.middleware import too_large_message
from accord.identity.auth import api_auth
from accord.marketing.api import router as marketing_router
from accord.people.api import companies_router, contacts_router
from accord.people.api.bulk import router as bulk_router
from accord.portal.api import router as portal_router
from accord.sales.api import router as sales_router
from accord.sales.api.forecast import router as sales_forecast_router
from accord.sales.api.quotes import router as sales_quotes_router
from accord.sales.api.settings import router as sales_settings_router
from accord.service.api import router as service_router

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="Accord API",
    version=__version__,
    description=(
        "Authenticate with `Authorization: Bearer <token>` (create one on your profile page or with "
        "`accord token create USERNAME`; a token is its own credential and is never asked for a two-factor "
        "code) or, from the browser, with the session cookie and CSRF token.\n\n"
        "Writes carry the record's `version` (or an `If-Match` header); a stale one gets 409. "
        "POST accepts `Idempotency-Key`."
    ),
    auth=api_auth,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _error(
    request: HttpRequest, status: int, message: str, errors: dict[str, Any] | None = None, **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {"message": message, "errors": errors or {}}
    body.update(extra)
    return api.create_response(request, body, status=status)


def _field_path(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    # ninja reports ("body", "payload", "emails", 0, "email") or ("query", "limit").
    if parts and parts[0] in {"body", "query", "path", "header", "form"}:
        parts = parts[1:]
    if parts and parts[0] in {"payload", "filters", "data"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        message = input_error_message(error)
        errors.setdefault(_field_path(error.get("loc", ())), []).append(message)
    return _error(request, 422, _("Some fields are invalid."), errors)


@api.exception_handler(DjangoValidationError)
def _invalid_record(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _error(request, 422, _("Some fields are invalid."), message_dict(exc))


@api.exception_handler(AccessDenied)
def _denied(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    return _error(request, 403, exc.message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return _error(request, 409, exc.message, current_version=exc.current_version)


@api.exception_handler(BadRequest)
def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return _error(request, 400, exc.message, exc.errors)


@api.exception_handler(MultiPartParserError)
def _malformed_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    log.info("Malformed multipart body on %s %s: %s", request.method, request.path, exc)
    return _error(
        request,
        400,
        _("The multipart request body is malformed: send multipart/form-data with a valid boundary."),
    )


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # A body without a Content-Length (chunked) that turned out too large while being read.
    return _error(request, 413, too_large_message(int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)))


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Too many fields or files, a body over the size limit: Django answers these with 400 too.
    log.warning("Refused request %s %s: %s", request.method, request.path, exc)
    return _error(request, 400, _("The request could not be read."))


@api.exception_handler(IdempotencyMismatch)
def _idempotency_mismatch(request: HttpRequest, exc: IdempotencyMismatch) -> HttpResponse:
    return _error(request, 422, exc.message, {"Idempotency-Key": [exc.message]})


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, _("Authentication required: send a bearer token or log in."))
    response["WWW-Authenticate"] = 'Bearer realm="accord"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API request %s %s failed", request.method, request.path)
    return _error(request, 500, _("Something went wrong on our side. It has been logged."))


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any path under /api/ no endpoint answers: the API's JSON 404, never the HTML page."""
    message = _("Not found.")
    bare = request.path.rstrip("/")
    if bare != request.path and bare.startswith("/api/v1/"):
        try:
            known = resolve(bare).func is not not_found
        except Resolver404:
            known = False
        if known:
            message = _("Not found. API paths have no trailing slash: %(path)s") % {"path": bare}
    return _error(request, 404, message)


api.add_router("/", core_router)
api.add_router("/", attachments_router)
api.add_router("/companies", companies_router)
api.add_router("/contacts", contacts_router)
api.add_router("/", activities_router)
api.add_router("/", bulk_router)
api.add_router("/", sales_router)
api.add_router("/", sales_quotes_router)
api.add_router("/", sales_forecast_router)
api.add_router("/", sales_settings_router)
api.add_router("/", billing_router)
api.add_router("/", marketing_router)
api.add_router("/", service_router)
api.add_router("/", analytics_router)
api.add_router("/", portal_router)
