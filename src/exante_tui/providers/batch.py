"""Gmail's batch endpoint, on public ground: one ``multipart/mixed`` POST of many requests.

The format is Google's documented one: each part is ``application/http`` holding one
request line, its headers and body, with a ``Content-ID``; the answer is ``multipart/mixed``
with one ``application/http`` response per part, its ``Content-ID`` prefixed with
``response-``. The outer request carries the credentials (the caller's authorised
``httplib2.Http``), which Gmail applies to every part. Built and read here with plain
string handling on the public attributes of ``googleapiclient.http.HttpRequest``; no
private API of the client library is used.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httplib2
from googleapiclient.errors import BatchError, HttpError
from googleapiclient.http import HttpRequest

Part = tuple[httplib2.Response, bytes]
"""One sub-request's answer: its status and headers, and its body."""

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_HEAD_END = re.compile(r"\r?\n\r?\n")
_LINE = re.compile(r"\r?\n")


def send_batch(http: Any, batch_uri: str, requests: Mapping[str, HttpRequest]) -> dict[str, Part]:
    """POST ``requests`` (by key) to ``batch_uri`` through ``http``; each key's answer.

    Keys Gmail did not answer are missing from the result. Raises ``HttpError`` when the
    batch request itself fails and ``BatchError`` for an answer not in the batch format.
    """
    body, boundary = encode(requests)
    headers = {"content-type": f'multipart/mixed; boundary="{boundary}"'}
    response, content = http.request(batch_uri, method="POST", body=body, headers=headers)
    if response.status >= 300:
        raise HttpError(response, content, uri=batch_uri)
    return decode(response.get("content-type", ""), content)


def encode(requests: Mapping[str, HttpRequest]) -> tuple[str, str]:
    """The batch body for ``requests`` and its boundary."""
    parts = [_encode_part(key, request) for key, request in requests.items()]
    boundary = f"batch_{uuid.uuid4().hex}"
    while any(boundary in part for part in parts):
        boundary = f"batch_{uuid.uuid4().hex}"
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    return body, boundary


def _encode_part(key: str, request: HttpRequest) -> str:
    url = urlsplit(request.uri)
    target = f"{url.path}?{url.query}" if url.query else url.path
    headers = {name.lower(): value for name, value in request.headers.items()}
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    lines = [f"{request.method} {target} HTTP/1.1", f"Host: {url.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name != "host"]
    if body:
        lines.append(f"Content-Length: {len(body.encode('utf-8'))}")
    return (
        "Content-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        f"Content-ID: <item-{quote(key, safe='')}>\r\n\r\n"
        + "\r\n".join(lines)
        + "\r\n\r\n"
        + (body or "")
    )


def decode(content_type: str, content: bytes) -> dict[str, Part]:
    """Each answered key's response in a ``multipart/mixed`` batch answer."""
    match = _BOUNDARY.search(content_type)
    if match is None or not content_type.lower().startswith("multipart/mixed"):
        raise BatchError(f"The batch answer is not multipart/mixed ({content_type!r}).")
    delimiter = "--" + (match[1] or match[2])
    text = content.decode("utf-8")
    chunks = text.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith("--"):
        raise BatchError("The batch answer has no closing delimiter.")
    answers: dict[str, Part] = {}
    for chunk in chunks[1:-1]:
        # The rest of the delimiter's line is padding; the line break before the next
        # delimiter belongs to it.
        _padding, _, chunk = chunk.partition("\n")
        chunk = chunk.removesuffix("\n").removesuffix("\r")
        head, inner = _split_head(chunk)
        content_id = head.get("content-id")
        if content_id is None:
            raise BatchError("A part of the batch answer has no Content-ID.")
        answers[_key_of(content_id)] = _response(inner)
    return answers


def _split_head(text: str) -> tuple[dict[str, str], str]:
    """Headers (names lowercased; a repeated name keeps its last value) and the rest."""
    end = _HEAD_END.search(text)
    if end is None:
        raise BatchError("A part of the batch answer has no blank line after its headers.")
    head: dict[str, str] = {}
    for line in _LINE.split(text[: end.start()]) if end.start() else ():
        name, colon, value = line.partition(":")
        if not colon or line[0] in " \t":
            raise BatchError(f"Unreadable header line in the batch answer: {line!r}")
        head[name.strip().lower()] = value.strip()
    return head, text[end.end() :]


def _response(text: str) -> Part:
    """One ``application/http`` answer: status line, headers, body."""
    status_line, _, rest = text.partition("\n")
    fields = status_line.strip().split(" ", 2)
    if len(fields) < 2 or not fields[0].startswith("HTTP/") or not fields[1].isdigit():
        raise BatchError(f"Unreadable status line in the batch answer: {status_line!r}")
    head, body = _split_head(rest) if rest.strip() else ({}, "")
    head["status"] = fields[1]
    response = httplib2.Response(head)
    response.reason = fields[2] if len(fields) > 2 else ""
    return response, body.encode("utf-8")


def _key_of(content_id: str) -> str:
    """The request key in an answer's ``Content-ID`` (``<response-item-KEY>``)."""
    value = content_id.strip().removeprefix("<").removesuffix(">").removeprefix("response-")
    if not value.startswith("item-"):
        raise BatchError(f"Unknown Content-ID in the batch answer: {content_id}")
    return unquote(value.removeprefix("item-"))
