"""The mailbox side of the fake Gmail: threads, history, attachments and the batch endpoint.

Every message the fake holds (sent through ``messages.send`` or put in with
:meth:`Mailbox.deliver`) gets a ``historyId``, an ``internalDate`` and a Gmail-style
``payload`` (parts with base64url ``body.data``; attachments only as ``attachmentId``).
The routes here serve ``users.getProfile``, ``threads.list``/``get``, ``messages.get``
(full), ``history.list``, ``messages.attachments.get`` and ``POST /batch/gmail/v1``,
whose parts are dispatched through the fake's own route table (so faults aimed at a
route hit the matching sub-requests).
"""

from __future__ import annotations

import base64
import email.message
import email.parser
import email.policy
import html
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from fakes.gmail_server import (
    Answer,
    JsonBody,
    RawBody,
    RecordedRequest,
    Route,
    WithHeaders,
    gmail_error,
)
from fakes.gmail_server import _get_message as _get_message_headers

if TYPE_CHECKING:
    from fakes.gmail_server import FakeGmail

MAX_BATCH = 100
FIRST_HISTORY_ID = 1000


def b64url(data: bytes) -> str:
    """Unpadded base64url, as Gmail encodes bodies."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def build_mail(
    *,
    subject: str,
    sender: str = "Maria Garcia <maria@contoso.example>",
    to: Sequence[str] = ("billing@northwind.example",),
    cc: Sequence[str] = (),
    text: str | None = "Hello.",
    html_body: str | None = None,
    attachments: Iterable[tuple[str, str, bytes]] = (),
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    date: datetime | None = None,
) -> email.message.EmailMessage:
    """An RFC 5322 message for :meth:`Mailbox.deliver`; attachments are (name, type, bytes)."""
    mail = email.message.EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = subject
    if date is not None:
        mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message_id or f"<{secrets.token_hex(8)}@contoso.example>"
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    if text is not None:
        mail.set_content(text)
    if html_body is not None:
        if text is None:
            mail.set_content(html_body, subtype="html")
        else:
            mail.add_alternative(html_body, subtype="html")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail


def _part_bytes(part: email.message.EmailMessage) -> bytes:
    if part.get_content_maintype() == "message":
        inner = part.get_payload(0)
        return inner.as_bytes() if isinstance(inner, email.message.Message) else b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


@dataclass(frozen=True)
class Change:
    """One ``history.list`` record: a message added, deleted, or its labels changed."""

    history_id: int
    kind: str
    """``messageAdded``, ``messageDeleted``, ``labelAdded`` or ``labelRemoved``."""
    message_id: str
    thread_id: str
    labels: tuple[str, ...] = ()


class Mailbox:
    """Gmail's view of the fake's messages; ``fake.messages`` stays the one store."""

    def __init__(self, fake: FakeGmail) -> None:
        self.fake = fake
        self.email_address = "billing@northwind.example"
        """What ``users.getProfile`` answers as ``emailAddress``."""
        self.history_floor = 0
        """``history.list`` answers 404 for a ``startHistoryId`` below this."""
        self.threads: dict[str, list[str]] = {}
        self.history: list[Change] = []
        """Every change to the mailbox, oldest first."""
        self.attachments: dict[str, bytes] = {}
        self.user_labels: dict[str, str] = {}
        """User labels, id → name, as ``labels.list`` shows them beside the system ones."""
        self._history_ids = itertools.count(FIRST_HISTORY_ID + 1)
        self._lock = threading.Lock()

    @property
    def history_id(self) -> int:
        """The mailbox's current history id."""
        with self._lock:
            return self.history[-1].history_id if self.history else FIRST_HISTORY_ID

    def deliver(
        self,
        mail: email.message.EmailMessage | bytes,
        *,
        thread_id: str | None = None,
        labels: Sequence[str] = ("INBOX", "UNREAD"),
    ) -> str:
        """Put a received message in the mailbox (in ``thread_id`` if given); its Gmail id."""
        raw = mail if isinstance(mail, bytes) else mail.as_bytes()
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
        assert isinstance(message, email.message.EmailMessage)
        message_id = self.fake.new_id()
        stored = {
            "id": message_id,
            "threadId": thread_id or message_id,
            "labelIds": list(labels),
            "raw": raw,
            "message": message,
            "message_id": str(message["Message-ID"]),
            "stored_raw": raw,
        }
        with self.fake._lock:
            self.fake.messages[message_id] = stored
        self.record(stored)
        return message_id

    def record(self, stored: dict[str, Any]) -> None:
        """Give a newly stored message its history id, date, payload and thread."""
        message: email.message.EmailMessage = stored["message"]
        try:
            when = parsedate_to_datetime(str(message["Date"])).timestamp()
        except (TypeError, ValueError):
            when = time.time()
        payload = self._payload(message, stored["id"], "")
        text = next(
            (
                part
                for part in message.walk()
                if part.get_content_type() == "text/plain" and not part.get_filename()
            ),
            None,
        )
        snippet = " ".join(_part_bytes(text).decode(errors="replace").split())[:200] if text else ""
        with self._lock:
            history_id = next(self._history_ids)
            stored.update(
                historyId=str(history_id),
                internalDate=str(int(when * 1000)),
                payload=payload,
                snippet=html.escape(snippet),
                sizeEstimate=len(stored["stored_raw"]),
            )
            self.threads.setdefault(stored["threadId"], []).append(stored["id"])
            self.history.append(
                Change(history_id, "messageAdded", stored["id"], stored["threadId"])
            )

    def relabel(
        self, message_id: str, *, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        """Change a message's labels (trash it with ``add=["TRASH"]``), as history records."""
        stored = self.fake.messages[message_id]
        with self._lock:
            for kind, labels in (("labelAdded", add), ("labelRemoved", remove)):
                if not labels:
                    continue
                if kind == "labelAdded":
                    stored["labelIds"] = [*stored["labelIds"], *labels]
                else:
                    stored["labelIds"] = [x for x in stored["labelIds"] if x not in labels]
                change = Change(
                    next(self._history_ids), kind, message_id, stored["threadId"], tuple(labels)
                )
                self.history.append(change)

    def delete(self, message_id: str) -> None:
        """Delete a message for good (not to Trash), as Gmail's ``messages.delete`` does."""
        with self.fake._lock:
            stored = self.fake.messages.pop(message_id)
        with self._lock:
            self.threads[stored["threadId"]].remove(message_id)
            if not self.threads[stored["threadId"]]:
                del self.threads[stored["threadId"]]
            change = Change(
                next(self._history_ids), "messageDeleted", message_id, stored["threadId"]
            )
            self.history.append(change)

    def expire_history(self) -> None:
        """Forget all history so far: older ``startHistoryId`` values now get a 404."""
        self.history_floor = self.history_id + 1

    def _payload(self, part: email.message.EmailMessage, message_id: str, part_id: str) -> JsonBody:
        node: JsonBody = {
            "partId": part_id,
            "mimeType": part.get_content_type(),
            "filename": part.get_filename() or "",
            "headers": [{"name": name, "value": str(value)} for name, value in part.items()],
        }
        if part.get_filename():
            data = _part_bytes(part)
            attachment_id = f"ANGjdJ_{message_id}_{part_id or 'root'}"
            self.attachments[attachment_id] = data
            node["body"] = {"attachmentId": attachment_id, "size": len(data)}
        elif part.is_multipart() and part.get_content_maintype() == "multipart":
            node["body"] = {"size": 0}
            node["parts"] = [
                self._payload(child, message_id, f"{part_id}.{n}" if part_id else str(n))
                for n, child in enumerate(part.iter_parts())
            ]
        else:
            data = _part_bytes(part)
            node["body"] = {"size": len(data), "data": b64url(data)} if data else {"size": 0}
        return node

    def resource(self, message_id: str, fmt: str = "full") -> JsonBody | None:
        """A ``users.messages`` resource in ``format=full`` or ``minimal``."""
        stored = self.fake.messages.get(message_id)
        if stored is None:
            return None
        answer: JsonBody = {
            key: stored[key]
            for key in ("id", "threadId", "labelIds", "snippet", "historyId", "internalDate")
        }
        answer["sizeEstimate"] = stored["sizeEstimate"]
        if fmt != "minimal":
            answer["payload"] = stored["payload"]
        return answer

    def thread_order(self) -> list[str]:
        """Thread ids, the one with the newest message first."""
        with self._lock:
            threads = {tid: list(ids) for tid, ids in self.threads.items()}

        def newest(thread_id: str) -> tuple[int, int]:
            dates = [int(self.fake.messages[m]["internalDate"]) for m in threads[thread_id]]
            return max(dates), int(thread_id, 16)

        return sorted(threads, key=newest, reverse=True)


# -- routes ---------------------------------------------------------------------------------


def _arg(request: RecordedRequest, name: str, default: str | None = None) -> str | None:
    return request.query.get(name, [default])[0]


def _page(
    request: RecordedRequest, items: list[Any], default_size: int = 100
) -> tuple[list[Any], str | None]:
    size = min(int(_arg(request, "maxResults", str(default_size)) or default_size), 500)
    start = int(_arg(request, "pageToken", "0") or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _profile(fake: FakeGmail, _request: RecordedRequest, _match: re.Match[str]) -> Answer:
    box = fake.mailbox
    return 200, {
        "emailAddress": box.email_address,
        "messagesTotal": len(fake.messages),
        "threadsTotal": len(box.threads),
        "historyId": str(box.history_id),
    }


def _threads_list(fake: FakeGmail, request: RecordedRequest, _match: re.Match[str]) -> Answer:
    page, token = _page(request, fake.mailbox.thread_order())
    answer: JsonBody = {"resultSizeEstimate": len(fake.mailbox.threads)}
    if page:
        answer["threads"] = [
            {"id": thread_id, "snippet": "", "historyId": str(fake.mailbox.history_id)}
            for thread_id in page
        ]
    if token:
        answer["nextPageToken"] = token
    return 200, answer


def _threads_get(fake: FakeGmail, request: RecordedRequest, match: re.Match[str]) -> Answer:
    box = fake.mailbox
    ids = box.threads.get(match["id"])
    if not ids:
        return gmail_error(404)
    fmt = _arg(request, "format", "full") or "full"
    messages = [box.resource(message_id, fmt) for message_id in ids]
    messages.sort(key=lambda m: int(m["internalDate"]) if m else 0)
    history_id = max(int(m["historyId"]) for m in messages if m)
    return 200, {"id": match["id"], "historyId": str(history_id), "messages": messages}


def _message_get(fake: FakeGmail, request: RecordedRequest, match: re.Match[str]) -> Answer:
    """``format=full``/``minimal`` here; ``metadata`` and ``raw`` keep the original route."""
    fmt = _arg(request, "format", "full") or "full"
    if fmt not in {"full", "minimal"}:
        return _get_message_headers(fake, request, match)
    resource = fake.mailbox.resource(match["id"], fmt)
    return (200, resource) if resource is not None else gmail_error(404)


def _history_list(fake: FakeGmail, request: RecordedRequest, _match: re.Match[str]) -> Answer:
    box = fake.mailbox
    start = _arg(request, "startHistoryId")
    if not start or not start.isdigit():
        return gmail_error(400, message="startHistoryId is required")
    if int(start) < box.history_floor:
        return gmail_error(404)
    kinds = set(request.query.get("historyTypes", [])) or None
    with box._lock:
        newer = [
            c for c in box.history if c.history_id > int(start) and (not kinds or c.kind in kinds)
        ]
    page, token = _page(request, newer)
    answer: JsonBody = {"historyId": str(box.history_id)}
    records = []
    for change in page:
        ref = {"id": change.message_id, "threadId": change.thread_id}
        stored = fake.messages.get(change.message_id)
        current = {**ref, "labelIds": stored["labelIds"] if stored else []}
        record: JsonBody = {"id": str(change.history_id), "messages": [ref]}
        if change.kind == "messageAdded":
            record["messagesAdded"] = [{"message": current}]
        elif change.kind == "messageDeleted":
            record["messagesDeleted"] = [{"message": ref}]
        else:
            key = "labelsAdded" if change.kind == "labelAdded" else "labelsRemoved"
            record[key] = [{"message": current, "labelIds": list(change.labels)}]
        records.append(record)
    if records:
        answer["history"] = records
    if token:
        answer["nextPageToken"] = token
    return 200, answer


def _attachment_get(fake: FakeGmail, _request: RecordedRequest, match: re.Match[str]) -> Answer:
    data = fake.mailbox.attachments.get(match["aid"])
    if match["mid"] not in fake.messages or data is None:
        return gmail_error(404)
    return 200, {"attachmentId": match["aid"], "size": len(data), "data": b64url(data)}


def _sub_request(text: str, outer: dict[str, str]) -> RecordedRequest:
    """One ``application/http`` part of a batch as a request; the outer request's headers
    (but its ``Content-*``) apply unless the part has its own, as at Gmail."""
    request_line, _, rest = text.lstrip("\r\n").partition("\n")
    method, target, _version = request_line.strip().split(" ", 2)
    simple = _simple_head(rest)
    if simple is not None:
        headers, body_text = simple
    else:
        head = email.parser.Parser(policy=email.policy.compat32).parsestr(rest)
        headers = {name.lower(): value for name, value in head.items()}
        body_text = head.get_payload()
    url = urlsplit(target)
    body: Any = None
    if isinstance(body_text, str) and body_text.strip():
        body = json.loads(body_text)
    inherited = {k: v for k, v in outer.items() if not k.startswith("content-")}
    return RecordedRequest(
        method=method,
        path=url.path,
        query=parse_qs(url.query),
        headers={**inherited, **headers},
        body=body,
    )


def _simple_head(text: str) -> tuple[dict[str, str], str] | None:
    """Headers (names lowercased, the last of a name winning) and body of plain
    ``Name: value`` lines, as the ``email`` parser reads them; None for anything else."""
    if "\r" in text or not text.isascii():
        return None
    head, blank, body = text.partition("\n\n")
    if not blank:
        return None
    headers = {}
    for line in head.split("\n"):
        if _SIMPLE_HEADER.fullmatch(line) is None:
            return None
        name, _, value = line.partition(":")
        headers[name.lower()] = value.lstrip(" \t")
    return headers, body


def _batch(fake: FakeGmail, request: RecordedRequest, _match: re.Match[str]) -> Answer:
    """Dispatch each part through the route table; answer ``multipart/mixed``."""
    data = request.body if isinstance(request.body, bytes) else b""
    content_type = request.headers.get("content-type", "")
    simple = _simple_parts(content_type, data)
    if simple is not None:
        parts = simple
    else:
        envelope = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + data
        )
        payload = envelope.get_payload()
        if not envelope.is_multipart() or not isinstance(payload, list):
            return gmail_error(400, message="A batch request must be multipart/mixed")
        parts = [(str(part["Content-ID"]), str(part.get_payload())) for part in payload]
    if len(parts) > MAX_BATCH:
        return gmail_error(400, message=f"Too many requests in a batch (max {MAX_BATCH})")
    boundary = f"batch_{secrets.token_hex(8)}"
    out: list[str] = []
    for content_id_header, text in parts:
        content_id = content_id_header.strip().strip("<>")
        sub = _sub_request(text, request.headers)
        status, body = fake.handle(sub) or gmail_error(503)
        extra = ""
        if isinstance(body, WithHeaders):
            extra = "".join(f"{name}: {value}\r\n" for name, value in body.headers.items())
            body = body.body
        payload = json.dumps(body)
        out.append(
            f"--{boundary}\r\nContent-Type: application/http\r\n"
            f"Content-ID: <response-{content_id}>\r\n\r\n"
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            f"Content-Type: application/json; charset=UTF-8\r\n{extra}"
            f"Content-Length: {len(payload.encode())}\r\n\r\n{payload}\r\n"
        )
    out.append(f"--{boundary}--\r\n")
    return 200, RawBody(f"multipart/mixed; boundary={boundary}", "".join(out).encode())


_BOUNDARY = re.compile(r'^multipart/mixed;\s*boundary="?([0-9A-Za-z_=.+-]+)"?$', re.IGNORECASE)
_SIMPLE_HEADER = re.compile(r"[A-Za-z0-9-]+: [^\s][^\r\n]*")


def _simple_parts(content_type: str, data: bytes) -> list[tuple[str, str]] | None:
    """(Content-ID, payload) of each part of a plain batch body, as the ``email`` parser
    reads them, without its cost; None for anything less plain (the parser decides)."""
    match = _BOUNDARY.match(content_type.strip())
    data = data.replace(b"\r\n", b"\n")
    if match is None or not data.isascii() or b"\r" in data:
        return None
    delimiter = f"--{match[1]}"
    chunks = data.decode("ascii").split(f"\n{delimiter}")
    if not chunks[0].startswith(f"{delimiter}\n") or chunks[-1] not in {"--", "--\n"}:
        return None
    chunks[0] = chunks[0][len(delimiter) :]
    parts = []
    for chunk in chunks[:-1]:
        if not chunk.startswith("\n"):
            return None
        head, blank, payload = chunk[1:].partition("\n\n")
        lines = head.split("\n")
        if not blank or not all(_SIMPLE_HEADER.fullmatch(line) for line in lines):
            return None
        ids = [line[len("Content-ID: ") :] for line in lines if line.startswith("Content-ID: ")]
        if len(ids) != 1:
            return None
        parts.append((ids[0], payload))
    return parts


SYSTEM_LABELS = ("INBOX", "SENT", "UNREAD", "STARRED", "IMPORTANT", "DRAFT", "SPAM", "TRASH")


def _labels_list(fake: FakeGmail, _request: RecordedRequest, _match: re.Match[str]) -> Answer:
    system = [{"id": label, "name": label, "type": "system"} for label in SYSTEM_LABELS]
    user = [
        {"id": label_id, "name": name, "type": "user"}
        for label_id, name in fake.mailbox.user_labels.items()
    ]
    return 200, {"labels": system + user}


_USER = r"/gmail/v1/users/[^/]+"

MAILBOX_ROUTES: tuple[Route, ...] = (
    Route("POST", re.compile(r"/batch/gmail/v1"), "batch", _batch),
    Route("GET", re.compile(rf"{_USER}/profile"), "users.getProfile", _profile),
    Route("GET", re.compile(rf"{_USER}/threads"), "threads.list", _threads_list),
    Route("GET", re.compile(rf"{_USER}/threads/(?P<id>[^/]+)"), "threads.get", _threads_get),
    Route("GET", re.compile(rf"{_USER}/history"), "history.list", _history_list),
    Route("GET", re.compile(rf"{_USER}/labels"), "labels.list", _labels_list),
    Route(
        "GET",
        re.compile(rf"{_USER}/messages/(?P<mid>[^/]+)/attachments/(?P<aid>[^/]+)"),
        "messages.attachments.get",
        _attachment_get,
    ),
    Route("GET", re.compile(rf"{_USER}/messages/(?P<id>[^/]+)"), "messages.get", _message_get),
)
"""Served before the fake's default routes (``messages.get`` full format included)."""
