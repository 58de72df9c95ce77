"""A loopback fake of the Gmail REST API, served over plain HTTP on 127.0.0.1.

Point the real client at it with ``endpoint=fake.endpoint``. Only the JSON paths are
served: media uploads keep ``https`` whatever the endpoint, so upload tests use
``googleapiclient.http.HttpMockSequence`` instead.

Routes live in a table (:meth:`FakeGmail.add_route`), so more of the API can be added
without touching the request handling. Faults (:meth:`FakeGmail.fail_next`,
:meth:`FakeGmail.hang_next`) are consumed by the next requests after the token check.
:meth:`FakeGmail.enforce_quota` makes the fake refuse what Gmail's per-user quota would
(429 ``rateLimitExceeded`` with ``Retry-After``), batch parts one by one.
"""

from __future__ import annotations

import base64
import email.message
import email.parser
import email.policy
import itertools
import json
import re
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from google.oauth2.credentials import Credentials

from fakes.http import reply
from fakes.quota import UserQuota

DEFAULT_TOKEN = "fake-access-token"

JsonBody = dict[str, Any]


@dataclass(frozen=True)
class RawBody:
    """A non-JSON answer body (the batch endpoint's ``multipart/mixed``)."""

    content_type: str
    data: bytes


@dataclass(frozen=True)
class WithHeaders:
    """A JSON answer body with extra response headers (``Retry-After``)."""

    body: JsonBody
    headers: dict[str, str]


Answer = tuple[int, JsonBody | RawBody | WithHeaders]


@dataclass
class RecordedRequest:
    """One request as the fake received it (header names lowercased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    route: str | None = None


def fake_credentials(token: str = DEFAULT_TOKEN) -> Credentials:
    """Credentials the fake accepts; they have no refresh token, so they never refresh."""
    return Credentials(token=token, refresh_token=None)


RouteHandler = Callable[["FakeGmail", RecordedRequest, re.Match[str]], Answer]


@dataclass(frozen=True)
class Route:
    """A method and path pattern served by ``handler``; ``name`` is used to aim faults."""

    method: str
    pattern: re.Pattern[str]
    name: str
    handler: RouteHandler


@dataclass
class _Fault:
    status: int | None
    reason: str | None = None
    message: str | None = None
    hang_seconds: float | None = None
    route: str | None = None
    count: int = 1


_ERROR_DEFAULTS: dict[int, tuple[str, str, str]] = {
    400: ("Invalid argument", "invalidArgument", "INVALID_ARGUMENT"),
    401: (
        "Request had invalid authentication credentials.",
        "authError",
        "UNAUTHENTICATED",
    ),
    403: ("The caller does not have permission", "forbidden", "PERMISSION_DENIED"),
    404: ("Requested entity was not found.", "notFound", "NOT_FOUND"),
    429: (
        "Resource has been exhausted (e.g. check quota).",
        "rateLimitExceeded",
        "RESOURCE_EXHAUSTED",
    ),
    500: ("Internal error encountered.", "backendError", "INTERNAL"),
    503: ("The service is currently unavailable.", "backendError", "UNAVAILABLE"),
}


def gmail_error(status: int, *, reason: str | None = None, message: str | None = None) -> Answer:
    """A Gmail-style error answer: ``{"error": {"code", "message", "errors": [...]}}``."""
    default_message, default_reason, status_text = _ERROR_DEFAULTS.get(
        status, ("Error", "unknown", "UNKNOWN")
    )
    text = message or default_message
    body = {
        "error": {
            "code": status,
            "message": text,
            "errors": [{"message": text, "domain": "global", "reason": reason or default_reason}],
            "status": status_text,
        }
    }
    return status, body


def rate_limited(seconds: int) -> Answer:
    """Gmail's answer over the per-user quota: 429, ``Retry-After`` and the time in the text."""
    when = datetime.now(UTC) + timedelta(seconds=seconds)
    text = f"User-rate limit exceeded.  Retry after {when.isoformat(timespec='milliseconds')}"
    status, body = gmail_error(429, reason="rateLimitExceeded", message=text.replace("+00:00", "Z"))
    assert isinstance(body, dict)
    return status, WithHeaders(body, {"Retry-After": str(seconds)})


def _send_message(fake: FakeGmail, request: RecordedRequest, _match: re.Match[str]) -> Answer:
    body = request.body if isinstance(request.body, dict) else {}
    if not isinstance(body.get("raw"), str):
        return gmail_error(400, reason="invalidArgument", message="'raw' RFC822 payload required")
    try:
        raw = base64.urlsafe_b64decode(body["raw"] + "=" * (-len(body["raw"]) % 4))
    except ValueError:
        return gmail_error(400, reason="invalidArgument", message="Invalid raw payload")
    return 200, fake.store_message(raw, body.get("threadId"))


def _get_message(fake: FakeGmail, request: RecordedRequest, match: re.Match[str]) -> Answer:
    stored = fake.messages.get(match["id"])
    if stored is None:
        return gmail_error(404)
    fmt = request.query.get("format", ["full"])[0]
    answer: JsonBody = {
        "id": stored["id"],
        "threadId": stored["threadId"],
        "labelIds": stored["labelIds"],
    }
    if fmt == "raw":
        answer["raw"] = base64.urlsafe_b64encode(stored["stored_raw"]).decode("ascii")
    elif fmt != "minimal":
        wanted = {name.lower() for name in request.query.get("metadataHeaders", [])}
        message: email.message.EmailMessage = stored["message"]
        answer["payload"] = {
            "mimeType": message.get_content_type(),
            "headers": [
                {"name": name, "value": str(value)}
                for name, value in message.items()
                if fmt != "metadata" or not wanted or name.lower() in wanted
            ],
        }
    return 200, answer


# -- Sent-mail search and lost answers (send reconciliation) --------------------------------

_MSGID_QUERY = re.compile(r"rfc822msgid:<?([^\s>]+)>?")


def _list_messages(fake: FakeGmail, request: RecordedRequest, _match: re.Match[str]) -> Answer:
    """``messages.list``: ``q=rfc822msgid:<id>`` finds by Message-ID; without ``q``, all."""
    query = _MSGID_QUERY.search(request.query.get("q", [""])[0])
    with fake._lock:
        stored = list(fake.messages.values())
    found = [
        {"id": m["id"], "threadId": m["threadId"]}
        for m in stored
        if query is None or m.get("message_id", "").strip("<>") == query[1]
    ]
    answer: JsonBody = {"resultSizeEstimate": len(found)}
    if found:
        answer["messages"] = found
    return 200, answer


def lose_answers(
    fake: FakeGmail, count: int = 1, *, status: int = 500, hang: float | None = None
) -> None:
    """Send the next ``count`` messages, then lose the answer: ``status`` instead, or (with
    ``hang``) hold the answer that long, so the client times out first."""
    index = next(i for i, r in enumerate(fake.routes) if r.name == "messages.send")
    original = fake.routes[index]
    remaining = [count]

    def lossy(fake: FakeGmail, request: RecordedRequest, match: re.Match[str]) -> Answer:
        answer = original.handler(fake, request, match)
        with fake._lock:
            lose, remaining[0] = remaining[0] > 0, remaining[0] - 1
        if not lose:
            return answer
        if hang is not None:
            fake.stopping.wait(hang)
            return answer
        return gmail_error(status)

    fake.routes[index] = Route(original.method, original.pattern, original.name, lossy)


DEFAULT_ROUTES: tuple[Route, ...] = (
    Route(
        "POST", re.compile(r"/gmail/v1/users/[^/]+/messages/send"), "messages.send", _send_message
    ),
    Route(
        "GET",
        re.compile(r"/gmail/v1/users/[^/]+/messages/(?P<id>[^/]+)"),
        "messages.get",
        _get_message,
    ),
    Route("GET", re.compile(r"/gmail/v1/users/[^/]+/messages"), "messages.list", _list_messages),
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: test output is not the place for access logs."""

    def _dispatch(self) -> None:
        answer = self.server.fake.handle(self._read_request())
        if answer is None:
            self.close_connection = True
            return
        status, body = answer
        headers = body.headers if isinstance(body, WithHeaders) else None
        if isinstance(body, WithHeaders):
            body = body.body
        if isinstance(body, RawBody):
            content_type, payload = body.content_type, body.data
        else:
            content_type, payload = "application/json; charset=UTF-8", json.dumps(body).encode()
        reply(self, status, payload, content_type, headers)

    def _read_request(self) -> RecordedRequest:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        try:
            body = json.loads(data) if data else None
        except ValueError:
            body = data
        url = urlsplit(self.path)
        return RecordedRequest(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeGmail) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hung up (timed-out requests); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeGmail:
    """A fake Gmail API on a loopback port; use as a context manager or ``start``/``stop``."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.replace_message_id = False
        """When true, replace each sent message's Message-ID, as Gmail may."""
        self.requests: list[RecordedRequest] = []
        self.sent: list[dict[str, Any]] = []
        """Accepted messages: ``raw`` (bytes as sent), ``requested_thread_id``, the assigned
        ``id``/``threadId``, ``message`` (parsed, with the Message-ID kept) and ``message_id``."""
        self.messages: dict[str, dict[str, Any]] = {}
        from fakes.gmail_mailbox import MAILBOX_ROUTES, Mailbox

        self.mailbox = Mailbox(self)
        """Threads, history and attachments (see ``fakes.gmail_mailbox``)."""
        self.routes: list[Route] = [*MAILBOX_ROUTES, *DEFAULT_ROUTES]
        self.stopping = threading.Event()
        """Set on ``stop``; releases hung requests, which then get no answer."""
        self._release = threading.Event()
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(0x18F0000000000001)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.quota: UserQuota | None = None
        """The enforced per-user quota, if any (see :meth:`enforce_quota`)."""

    @property
    def endpoint(self) -> str:
        """The API root to pass as the client's ``api_endpoint``."""
        if self._server is None:
            raise RuntimeError("FakeGmail is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> Self:
        """Bind a free port and serve in a daemon thread."""
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # how long ``stop`` waits for the loop
            name="fake-gmail",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hung requests, stop serving and close the socket."""
        self.stopping.set()
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def add_route(self, method: str, pattern: str, name: str, handler: RouteHandler) -> None:
        """Serve ``method`` on paths fully matching ``pattern`` with ``handler``."""
        self.routes.append(Route(method, re.compile(pattern), name, handler))

    def fail_next(
        self,
        status: int,
        count: int = 1,
        reason: str | None = None,
        *,
        message: str | None = None,
        route: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests (to ``route`` if given) with a Gmail error."""
        with self._lock:
            self._faults.append(_Fault(status, reason, message, route=route, count=count))

    def hang_next(
        self, seconds: float | None = None, count: int = 1, *, route: str | None = None
    ) -> None:
        """Hold the next ``count`` requests until ``seconds`` pass or ``release_hangs``/``stop``.

        A request released by ``stop`` gets no answer; otherwise it is then served normally.
        """
        with self._lock:
            self._faults.append(_Fault(None, hang_seconds=seconds, route=route, count=count))
            if not self.stopping.is_set():
                self._release.clear()

    def enforce_quota(
        self, rate: float, *, burst: float = 1.0, clock: Callable[[], float] | None = None
    ) -> UserQuota:
        """Refuse requests over ``rate`` quota units/s (``burst`` seconds' worth banked)."""
        self.quota = UserQuota(rate, burst=burst, **({"clock": clock} if clock else {}))
        return self.quota

    def release_hangs(self) -> None:
        """Let every held request continue."""
        self._release.set()

    def new_id(self) -> str:
        """A fresh Gmail-style hexadecimal id."""
        with self._lock:
            return format(next(self._ids), "x")

    def store_message(self, raw: bytes, thread_id: str | None) -> JsonBody:
        """Keep ``raw`` as a sent message and return Gmail's answer for it."""
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
        assert isinstance(message, email.message.EmailMessage)
        if self.replace_message_id or message["Message-ID"] is None:
            del message["Message-ID"]
            message["Message-ID"] = f"<{self.new_id()}@mail.gmail.com>"
        message_id = self.new_id()
        stored = {
            "id": message_id,
            "threadId": thread_id or message_id,
            "labelIds": ["SENT"],
            "raw": raw,
            "requested_thread_id": thread_id,
            "message": message,
            "message_id": str(message["Message-ID"]),
            "stored_raw": message.as_bytes(),
        }
        with self._lock:
            self.sent.append(stored)
            self.messages[message_id] = stored
        self.mailbox.record(stored)
        return {"id": message_id, "threadId": stored["threadId"], "labelIds": ["SENT"]}

    def handle(self, request: RecordedRequest) -> Answer | None:
        """Route one request; ``None`` means hang up without answering."""
        route, match = self._match(request)
        request.route = route.name if route else None
        with self._lock:
            self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return gmail_error(401)
        fault = self._take_fault(request.route)
        if fault is not None:
            if fault.status is not None:
                return gmail_error(fault.status, reason=fault.reason, message=fault.message)
            self._release.wait(fault.hang_seconds)
            if self.stopping.is_set():
                return None
        if route is None or match is None:
            return gmail_error(404, message=f"No fake route for {request.method} {request.path}")
        if self.quota is not None:
            wait = self.quota.charge(request.route)
            if wait is not None:
                return rate_limited(wait)
        return route.handler(self, request, match)

    def _match(self, request: RecordedRequest) -> tuple[Route | None, re.Match[str] | None]:
        for route in self.routes:
            match = route.pattern.fullmatch(request.path)
            if match and route.method == request.method:
                return route, match
        return None, None

    def _take_fault(self, route: str | None) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.route is None or fault.route == route:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None
