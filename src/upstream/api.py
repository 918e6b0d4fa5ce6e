"""The REST API: one NinjaAPI, each app contributes a router.

Every error is JSON, `{"detail": "<what is wrong>", ...}`, with the status that says whose fault it is: bad input
is a 4xx with a message naming the problem, never a 500.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError, ValidationErrorContext

from upstream.accounts.api import SessionAuth, TokenAuth
from upstream.core.errors import DomainError

log = logging.getLogger("upstream.api")

DESCRIPTION = """
Tickets, organisations, contacts, contracts and products of Upstream.

Authenticate with a personal API token, `Authorization: Bearer <token>` (create one in your profile), or, from
the browser, with the signed-in session (unsafe methods then need the `X-CSRFToken` header).

Lists are cursor-paginated: pass the `next_cursor` of a page as `cursor` to get the next one. Errors are JSON,
`{"detail": "...", "field": "..."}`; validation errors also list every problem in `errors`.
"""


class UpstreamAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        """Ninja's URL patterns, made to answer unknown paths and wrong methods with JSON too."""
        patterns, app_name, namespace = super().urls
        wrapped: list[URLResolver | URLPattern] = [
            URLPattern(p.pattern, _json_errors(p.callback), p.default_args, p.name) if isinstance(p, URLPattern) else p
            for p in patterns
        ]
        wrapped.append(re_path(r"^.*$", _unknown_endpoint, name="api-unknown"))
        return wrapped, app_name, namespace

    def validation_error_from_error_contexts(self, error_contexts: list[ValidationErrorContext]) -> ValidationError:
        """Name fields as the client sent them: `status`, not `filters.status.0` (the Python parameter holding a
        query schema is an implementation detail)."""
        exc = super().validation_error_from_error_contexts(error_contexts)
        reverse: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for context in error_contexts:
            reverse.update(getattr(context.model, "__ninja_flatten_map_reverse__", {}))
        for item in exc.errors:
            source, *loc = item["loc"]
            for end in range(len(loc), 0, -1):
                if tuple(loc[:end]) in reverse:
                    loc = [*reverse[tuple(loc[:end])], *loc[end:]]
                    break
            if source in ("query", "form") and loc and isinstance(loc[-1], int):
                loc = loc[:-1]  # a repeated parameter: the name is what matters
            item["loc"] = (source, *loc)
        return exc


def error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@csrf_exempt  # API clients send no CSRF token; without this a POST to a wrong path would get an HTML 403
def _unknown_endpoint(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return error(request, 404, f"no API endpoint at {request.path}; see /api/docs")


def _json_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _unknown_endpoint(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            json_response = error(request, 405, f"{request.method} is not allowed here; allowed: {allowed}")
            json_response["Allow"] = allowed
            return json_response
        return response

    return wrapper


api = UpstreamAPI(
    title="Upstream API",
    version="1",
    description=DESCRIPTION,
    docs_url="/docs",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra = {"field": exc.field} if exc.field else {}
    return error(request, exc.status, exc.message, **extra)


def _field_of(loc: tuple[Any, ...]) -> str:
    # ("body", "payload", "organisation") → "organisation"; ("query", "limit") → "limit".
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        loc = tuple(item.get("loc", ()))
        field = _field_of(loc)
        message = str(item.get("msg", "invalid value"))
        if not field and item.get("type") == "missing":
            message = "the request needs a JSON object as its body"
        errors.append({"field": field, "in": str(loc[0]) if loc else "body", "message": message})
    summary = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
    extra: dict[str, Any] = {"errors": errors}
    if len({e["field"] for e in errors}) == 1 and errors[0]["field"]:
        extra["field"] = errors[0]["field"]
    return error(request, 422, f"invalid input: {summary}", **extra)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = exc.message
    if detail == "Unauthorized":
        detail = "authentication required: send 'Authorization: Bearer <API token>' or sign in"
    response = error(request, 401, detail)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = exc.message
    if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
        reason = exc.__cause__
        detail = "the request body is not valid JSON" + (f" ({reason})" if reason else "")
        if isinstance(reason, UnicodeDecodeError):
            detail = "the request body is not valid UTF-8 JSON"
    return error(request, exc.status_code, detail)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, str(exc) or "not found")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error(request, 413, "the request body is too large")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return error(request, 400, f"the request is malformed: {exc}")


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return error(request, 400, f"the multipart body is malformed: {exc}")


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # Input validation should stop such values first; if one slips through, it is still the input's fault.
    log.warning("database rejected a value on %s %s: %s", request.method, request.path, exc)
    return error(request, 422, "a value is out of range or malformed")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.error("unexpected error on %s %s", request.method, request.path, exc_info=exc)
    # Lets Django's test client re-raise the exception, so a bug fails its test loudly.
    got_request_exception.send(sender=None, request=request, exc_info=sys.exc_info())
    return error(request, 500, "internal error; it has been logged")


def _register_routers() -> None:
    from upstream.customers.api import contacts, contracts, me, organisations, products
    from upstream.tickets.api import attachments, tickets

    api.add_router("/tickets", tickets, tags=["tickets"])
    api.add_router("/attachments", attachments, tags=["tickets"])
    api.add_router("/organisations", organisations, tags=["customers"])
    api.add_router("/contacts", contacts, tags=["customers"])
    api.add_router("/contracts", contracts, tags=["customers"])
    api.add_router("/products", products, tags=["customers"])
    api.add_router("/me", me, tags=["accounts"])
    api.add_router("/kb", "upstream.kb.api.kb", tags=["knowledge base"])
    api.add_router("/surveys", "upstream.surveys.api.router", tags=["surveys"])
    api.add_router("/hours", "upstream.hours.api.router", tags=["consulting hours"])
    api.add_router("/success", "upstream.success.api.router", tags=["customer success"])
    api.add_router("/analytics", "upstream.analytics.api.router", tags=["analytics"])
    api.add_router("/export", "upstream.portability.api.router", tags=["export"])


_register_routers()
