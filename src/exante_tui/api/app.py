"""The seed's ``POST /api/email/send`` over HTTP: the FastAPI app factory.

The body is parsed by the send core, not by FastAPI, so every failure comes out in the
core's one error shape (DESIGN §5) instead of FastAPI's 422 format; the OpenAPI document
still describes the core's own ``SendRequest`` and ``SendResponse`` models.

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
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from exante_tui import __version__
from exante_tui.api.errors import BearerError, ErrorBody, Unauthorized
from exante_tui.api.failures import InternalErrors, routing_error
from exante_tui.api.limits import BodyLimit, MiB, declared_length
from exante_tui.api.tokens import ApiTokens
from exante_tui.core.contract import SendRequest, SendResponse
from exante_tui.core.errors import AuthFailure, SendError
from exante_tui.core.json_input import load_json
from exante_tui.core.validation import parse_send_request
from exante_tui.services import Services
from exante_tui.store.api_tokens import ApiToken

DEFAULT_MAX_BODY = 50 * MiB
LARGE_BODY = 1 * MiB
"""Bodies over this size (or of unknown size) are read and decoded ``LARGE_BODIES`` at once."""
LARGE_BODIES = 2
SEND_PATH = "/api/email/send"

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


def max_body_from_env() -> int:
    """``EXANTE_API_MAX_BODY`` in bytes, or 50 MiB."""
    raw = os.environ.get("EXANTE_API_MAX_BODY", "").strip()
    if not raw:
        return DEFAULT_MAX_BODY
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"must be a positive number of bytes, not {raw!r}")
    return int(raw)


def error_response(request: Request, exc: Exception) -> JSONResponse:
    """A ``SendError`` in the one error shape, with ``WWW-Authenticate`` for Bearer problems."""
    assert isinstance(exc, SendError)
    status = 502 if isinstance(exc, AuthFailure) else exc.http_status
    headers = {"WWW-Authenticate": exc.challenge} if isinstance(exc, BearerError) else None
    return JSONResponse(exc.to_payload(), status, headers=headers)


def create_app(services: Services, *, max_body: int | None = None) -> FastAPI:
    """The ASGI app serving ``POST /api/email/send`` on ``services`` (which it does not close)."""
    tokens = ApiTokens(services.store)
    bearer = HTTPBearer(
        auto_error=False,
        description="`Authorization: Bearer <token>`; create one with `exante-tui tokens create`.",
    )

    def authenticate(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
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

    def send(token: ApiToken, body: bytes) -> SendResponse:
        request = parse_send_request(load_json(body))
        tokens.check_scope(token, request)
        return services.core.send(request)

    app = FastAPI(
        title="exante-tui",
        version=__version__,
        description="The exante-tui send core over HTTP: `POST /api/email/send` with Bearer "
        'tokens. Every error has one shape: `{"error": {"code", "message", "details"}}`.',
    )
    app.add_middleware(BodyLimit, max_body=max_body or max_body_from_env())
    app.add_middleware(InternalErrors)
    app.add_exception_handler(SendError, error_response)
    app.add_exception_handler(StarletteHTTPException, routing_error)
    large_bodies = asyncio.Semaphore(LARGE_BODIES)

    @app.post(
        SEND_PATH,
        summary="Send outbound email",
        description=_DESCRIPTION,
        operation_id="send_email",
        response_model=SendResponse,
        response_description="The email was sent",
        responses=_ERRORS,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/SendRequest"}}
                },
            }
        },
    )
    async def send_email(
        request: Request, token: Annotated[ApiToken, Depends(authenticate)]
    ) -> SendResponse:
        size = declared_length(request.scope)
        if size is not None and size <= LARGE_BODY:
            return await run_in_threadpool(send, token, await request.body())
        # Bounded memory: a large body is read, decoded and built into a message in turn.
        async with large_bodies:
            return await run_in_threadpool(send, token, await request.body())

    def openapi() -> dict[str, Any]:
        """FastAPI's document plus the core's ``SendRequest`` schema, which it cannot see."""
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema = SendRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components.update(schema.pop("$defs", {}))
            components["SendRequest"] = schema
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
