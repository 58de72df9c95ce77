"""The seed's ``POST /api/email/send`` over HTTP: the FastAPI app factory.

The body is parsed by the send core, not by FastAPI, so every failure comes out in the
core's one error shape (docs/architecture.md, "Errors") instead of FastAPI's 422 format;
the OpenAPI document still describes the core's own ``SendRequest`` and ``SendResponse``
models.

Status codes: 200 sent; 401/403 Bearer token missing, invalid or out of scope (code
``auth_error``); 404 ``not_found`` (also for unknown paths; 405 for other methods); 408 body
too slow; 409 ``conflict``; 413 body over the limit; 422 ``validation_error``; 500
``internal_error`` (the traceback goes to the log, never to the client); 502
``provider_error``, and also ``auth_error`` when Gmail refuses the *sending account's*
credentials: that is an upstream failure, not the caller's, so it is
not a 401 (which would tell the client to change its own token).
"""

import asyncio
import os
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from exante_tui import __version__
from exante_tui.api.errors import BearerError, ErrorBody, Unauthorized
from exante_tui.api.failures import InternalErrors, routing_error
from exante_tui.api.limits import BodyLimit, MiB, declared_length
from exante_tui.api.tokens import ApiTokens
from exante_tui.core.contract import DraftRequest, SendRequest, SendResponse
from exante_tui.core.json_input import load_json
from exante_tui.core.prepare import PrepareRequest
from exante_tui.core.validation import parse_model, parse_send_request
from exante_tui.errors import ExanteError
from exante_tui.services import Services
from exante_tui.store.api_tokens import ApiToken

DEFAULT_MAX_BODY = 50 * MiB
LARGE_BODY = 1 * MiB
"""Bodies over this size (or of unknown size) are read and decoded ``LARGE_BODIES`` at once."""
LARGE_BODIES = 2
SEND_PATH = "/api/email/send"
PREPARE_PATH = "/api/email/prepare"
DRAFTS_PATH = "/api/drafts"

_DESCRIPTION = """\
Send an email immediately through a connected Gmail account, tracked as an OutboundEmail
record. Three modes, routed as the seed says:

* **draft** — only `draft_uid`: the saved draft is sent, at most once.
* **fresh** — `from_account_id`, `to`, `subject` (plus any optional fields).
* **reply** — `to`, `subject`, `reply_to_message_uid`: sent from the conversation's owner
  inbox into its Gmail thread with `In-Reply-To`/`References`; `from_account_id` is ignored.

`idempotency_key` makes fresh and reply sends safe to repeat: the same key with the same
body returns the first result without a second Gmail call; with another body, or while the
first send is in progress, the answer is 409.
"""

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        401: "`auth_error`: no Bearer token, or an unknown or revoked one",
        403: "`auth_error`: the token is limited to other sending accounts",
        404: "`not_found`: the draft, account or message does not exist",
        409: "`conflict`: idempotency key reused with another body, or a send in progress",
        408: "`validation_error`: the request body stalled or arrived too slowly",
        413: "`validation_error`: the request body is over the server's limit",
        422: "`validation_error`: the request is not valid; `details` names each field",
        502: "`provider_error` (or `auth_error` when the sending account must be reconnected):"
        " Gmail failed the send; `outbound_email_uid` names the failed record",
        500: "`internal_error`: an unexpected failure; the details are in the server's log",
    }.items()
}


_PREPARE_DESCRIPTION = """\
The seed's Prepare Email: `template` (name or uid) and its `context`, plus any send fields
(`to`, `cc`, `bcc`, `from_account_id`, `reply_to_message_uid`, `context_type`, `context_id`,
`idempotency_key`). The answer is the resolved send request, exactly the body
`POST /api/email/send` takes. A missing context value, a filter given the wrong kind of
value, a template error or a sandbox violation is a 422 whose `details` name the value
(`context.invoice.due_date`) or the template field and line. Nothing is stored.
"""

_DRAFTS_DESCRIPTION = """\
Save a draft (the seed's Create Draft): the composed fields of a fresh send or a reply, none
required, plus an optional `planned_send_at` to schedule it.
"""


class DraftCreated(BaseModel):
    """The uid of the draft just saved."""

    draft_uid: uuid.UUID


def _body(schema: str) -> dict[str, Any]:
    """An OpenAPI request body naming one of the core's models."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    }


def max_body_from_env() -> int:
    """``EXANTE_API_MAX_BODY`` in bytes, or 50 MiB."""
    raw = os.environ.get("EXANTE_API_MAX_BODY", "").strip()
    if not raw:
        return DEFAULT_MAX_BODY
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"must be a positive number of bytes, not {raw!r}")
    return int(raw)


async def read_body(request: Request) -> bytearray:
    """The request body in one buffer, filled as it arrives: starlette's ``body()`` keeps
    every chunk and joins them at the end, which costs a 50 MiB body a second full copy."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
    return body


def error_response(request: Request, exc: Exception) -> JSONResponse:
    """A ``ExanteError`` in the one error shape, with ``WWW-Authenticate`` for Bearer problems."""
    assert isinstance(exc, ExanteError)
    headers = {"WWW-Authenticate": exc.challenge} if isinstance(exc, BearerError) else None
    return JSONResponse(exc.to_payload(), exc.http_status, headers=headers)


def create_app(services: Services, *, max_body: int | None = None) -> FastAPI:
    """The ASGI app serving the send, prepare and drafts endpoints on ``services`` (which it
    does not close)."""
    tokens = ApiTokens(services.store)
    authenticate = _authenticator(tokens)
    app = FastAPI(
        title="exante-tui",
        version=__version__,
        description="The exante-tui send core over HTTP: `POST /api/email/send` with Bearer "
        'tokens. Every error has one shape: `{"error": {"code", "message", "details"}}`.',
    )
    app.add_middleware(BodyLimit, max_body=max_body or max_body_from_env())
    app.add_middleware(InternalErrors)
    app.add_exception_handler(ExanteError, error_response)
    app.add_exception_handler(StarletteHTTPException, routing_error)
    _add_send(app, services, tokens, authenticate)
    _add_prepare(app, services, tokens, authenticate)
    _add_drafts(app, services, tokens, authenticate)
    app.openapi = _openapi_with_models(app)  # type: ignore[method-assign]
    return app


Authenticate = Callable[[HTTPAuthorizationCredentials | None], ApiToken]
"""The dependency giving the request's valid API token (or raising ``Unauthorized``)."""

_BEARER = HTTPBearer(
    auto_error=False,
    description="`Authorization: Bearer <token>`; create one with `exante-tui tokens create`.",
)


def _authenticator(tokens: ApiTokens) -> Authenticate:
    """The dependency checking a request's Bearer token against ``tokens``."""

    def authenticate(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
    ) -> ApiToken:
        if credentials is None:
            raise Unauthorized("Send an API token as `Authorization: Bearer <token>`.")
        found = tokens.verify(credentials.credentials)
        if found is None:
            raise Unauthorized(
                "The API token is not valid: unknown or revoked.",
                challenge='Bearer error="invalid_token"',
            )
        return found

    return authenticate


def _add_send(
    app: FastAPI, services: Services, tokens: ApiTokens, authenticate: Authenticate
) -> None:
    """``POST /api/email/send``: large bodies are handled ``LARGE_BODIES`` at once."""
    large_bodies = asyncio.Semaphore(LARGE_BODIES)

    def send(token: ApiToken, body: bytearray) -> SendResponse:
        request = parse_send_request(load_json(body))
        tokens.check_scope(token, request)
        return services.core.send(request)

    @app.post(
        SEND_PATH,
        summary="Send outbound email",
        description=_DESCRIPTION,
        operation_id="send_email",
        response_model=SendResponse,
        response_description="The email was sent",
        responses=_ERRORS,
        openapi_extra=_body("SendRequest"),
    )
    async def send_email(
        request: Request, token: Annotated[ApiToken, Depends(authenticate)]
    ) -> SendResponse:
        size = declared_length(request.scope)
        if size is not None and size <= LARGE_BODY:
            return await run_in_threadpool(send, token, await read_body(request))
        # Bounded memory: a large body is read, decoded and built into a message in turn.
        async with large_bodies:
            return await run_in_threadpool(send, token, await read_body(request))


def _add_prepare(
    app: FastAPI, services: Services, tokens: ApiTokens, authenticate: Authenticate
) -> None:
    """``POST /api/email/prepare``: a template and its context in, a send request out."""

    def prepare(token: ApiToken, body: bytearray) -> dict[str, Any]:
        prepared = services.preparer.prepare(load_json(body))
        tokens.check_scope(token, parse_send_request(prepared))
        return prepared

    @app.post(
        PREPARE_PATH,
        summary="Prepare email from a template",
        description=_PREPARE_DESCRIPTION,
        operation_id="prepare_email",
        response_model=SendRequest,
        response_model_exclude_none=True,
        response_description="The resolved send request",
        responses={k: v for k, v in _ERRORS.items() if k in (401, 403, 408, 413, 422, 500)},
        openapi_extra=_body("PrepareRequest"),
    )
    async def prepare_email(
        request: Request, token: Annotated[ApiToken, Depends(authenticate)]
    ) -> JSONResponse:
        body = await read_body(request)
        return JSONResponse(await run_in_threadpool(prepare, token, body))


def _add_drafts(
    app: FastAPI, services: Services, tokens: ApiTokens, authenticate: Authenticate
) -> None:
    """``POST /api/drafts``: save a draft."""

    def create_draft(token: ApiToken, body: bytearray) -> DraftCreated:
        raw = load_json(body)
        tokens.check_scope(token, parse_model(DraftRequest, raw))
        return DraftCreated(draft_uid=services.drafts.create_from_request(raw))

    @app.post(
        DRAFTS_PATH,
        summary="Create draft",
        description=_DRAFTS_DESCRIPTION,
        operation_id="create_draft",
        status_code=201,
        response_model=DraftCreated,
        response_description="The draft was saved",
        responses={k: v for k, v in _ERRORS.items() if k in (401, 403, 404, 408, 413, 422, 500)},
        openapi_extra=_body("DraftRequest"),
    )
    async def create_draft_route(
        request: Request, token: Annotated[ApiToken, Depends(authenticate)]
    ) -> DraftCreated:
        body = await read_body(request)
        return await run_in_threadpool(create_draft, token, body)


def _openapi_with_models(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` made to add the core's request schemas, which FastAPI cannot see."""

    def openapi() -> dict[str, Any]:
        """FastAPI's document plus the core's request schemas."""
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = document.setdefault("components", {}).setdefault("schemas", {})
            for model in (SendRequest, PrepareRequest, DraftRequest):
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(schema.pop("$defs", {}))
                components[model.__name__] = schema
            app.openapi_schema = document
        return app.openapi_schema

    return openapi
