"""Gmail reads with retries: single calls, and many calls through the batch endpoint.

Reads are safe to repeat, so 429, 5xx, 403 rate limits and broken connections are all
retried with exponential backoff; in a batch only the failed sub-requests go again.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from email.feedparser import FeedParser
from itertools import islice
from typing import Any
from urllib.parse import unquote, urlsplit

import google.auth.exceptions
import httplib2
from googleapiclient import _auth
from googleapiclient.errors import BatchError, HttpError
from googleapiclient.http import BatchHttpRequest, HttpRequest

from exante_tui.providers.base import TransportAuthError, TransportError
from exante_tui.providers.gmail import http_error, is_retryable

MAX_BATCH_SIZE = 100
"""Gmail's limit of sub-requests per batch."""

DEFAULT_BATCH_SIZE = 50
"""Gmail recommends at most 50; larger batches trip its rate limits."""

_JITTER = 0.1

Results = dict[str, dict[str, Any] | None]
"""Responses by request key; None for an item Gmail no longer has (404)."""


class GmailReader:
    """Runs read requests built on one Gmail service, with backoff on rate limits."""

    def __init__(
        self,
        *,
        batch_uri: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_retries: int = 5,
        retry_base_delay: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``batch_size`` 1 sends each request on its own (no batch endpoint)."""
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH_SIZE}")
        self.batch_uri = batch_uri
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.retry_base_delay = retry_base_delay
        self.sleep = sleep

    def call(self, request: HttpRequest) -> dict[str, Any]:
        """Execute one request, retrying transient failures."""
        attempt = 0
        while True:
            try:
                return request.execute()
            except HttpError as exc:
                if attempt >= self.max_retries or not is_retryable(exc):
                    raise http_error(exc, retries=attempt) from exc
            except google.auth.exceptions.RefreshError as exc:
                raise _refused() from exc
            except (OSError, httplib2.HttpLib2Error) as exc:
                if attempt >= self.max_retries:
                    raise TransportError(f"Could not talk to Gmail: {exc}") from exc
            self._pause(attempt)
            attempt += 1

    def run(self, requests: Mapping[str, HttpRequest]) -> Iterator[Results]:
        """Execute ``requests`` (by key) in batches, yielding each batch's results.

        Rate-limited sub-requests are retried in later batches after a pause; any other
        failure raises ``TransportError`` (``TransportAuthError`` for credentials).
        """
        pending = dict(requests)
        for attempt in range(self.max_retries + 1):
            retry: dict[str, HttpRequest] = {}
            keys = iter(pending)
            while chunk := list(islice(keys, self.batch_size)):
                results, failed = self._execute({key: pending[key] for key in chunk})
                retry.update(failed)
                if results:
                    yield results
            if not retry:
                return
            if attempt == self.max_retries:
                break
            self._pause(attempt)
            pending = retry
        raise TransportError(
            f"Gmail kept failing {len(retry)} requests after {self.max_retries} retries "
            "(rate limits, server errors or broken connections)."
        )

    def _execute(self, chunk: dict[str, HttpRequest]) -> tuple[Results, dict[str, HttpRequest]]:
        """One round trip: results, and the requests worth another try."""
        results: Results = {}
        failed: dict[str, HttpRequest] = {}

        def settle(key: str, response: Any, exception: HttpError | None) -> None:
            if exception is None:
                results[key] = response
            elif exception.resp.status == 404:
                results[key] = None
            elif is_retryable(exception):
                failed[key] = chunk[key]
            else:
                raise http_error(exception, retries=0) from exception

        try:
            if len(chunk) == 1:
                [(key, request)] = chunk.items()
                try:
                    settle(key, request.execute(), None)
                except HttpError as exc:
                    settle(key, None, exc)
            else:
                batch = _FastBatch(callback=settle, batch_uri=self.batch_uri)
                for key, request in chunk.items():
                    batch.add(request, request_id=key)
                batch.execute()
        except HttpError as exc:  # the batch request itself failed
            if not is_retryable(exc):
                raise http_error(exc, retries=0) from exc
            return {}, chunk
        except google.auth.exceptions.RefreshError as exc:
            raise _refused() from exc
        except (OSError, httplib2.HttpLib2Error, BatchError):
            return {}, chunk
        return results, failed

    def _pause(self, attempt: int) -> None:
        self.sleep(self.retry_base_delay * (2**attempt + random.uniform(0, _JITTER)))


_BOUNDARY = re.compile(r'boundary=(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)
_LINE_END = re.compile(r"\r?\n")
_BLANK_LINE = re.compile(r"(?:^|\r?\n)\r?\n")


class _FastBatch(BatchHttpRequest):
    """``BatchHttpRequest`` with its MIME work done by string handling.

    The library builds and parses every part with the ``email`` package, which costs more
    than the rest of a sync together. The wire format is the same (the library's, byte for
    byte but the boundary); credentials, the 401 redo and the callbacks stay the library's.
    A response this parser does not follow goes through the library's parser.
    """

    def _serialize_request(self, request: HttpRequest) -> str:
        if request.body is not None:
            return str(super()._serialize_request(request))
        url = urlsplit(request.uri)
        target = f"{url.path}?{url.query}" if url.query else url.path
        headers = dict(request.headers)
        if request.http is not None:
            credentials = _auth.get_credentials_from_http(request.http)
            if credentials is not None:
                _auth.apply_credentials(credentials, headers)
        content_type = headers.pop("content-type", "application/json")
        lines = [
            f"{request.method} {target} HTTP/1.1",
            f"Content-Type: {content_type}",
            "MIME-Version: 1.0",
            *(f"{key}: {value}" for key, value in headers.items()),
            f"Host: {url.netloc}",
            "",
            "",
        ]
        return "\n".join(lines)

    def _execute(self, http: Any, order: list[str], requests: dict[str, HttpRequest]) -> None:
        parts = [
            "Content-Type: application/http\nMIME-Version: 1.0\n"
            "Content-Transfer-Encoding: binary\n"
            f"Content-ID: {self._id_to_header(request_id)}\n\n"
            f"{self._serialize_request(requests[request_id])}\n"
            for request_id in order
        ]
        boundary = f"batch_{uuid.uuid4().hex}"
        while any(boundary in part for part in parts):
            boundary = f"batch_{uuid.uuid4().hex}"
        body = "".join(f"--{boundary}\n{part}" for part in parts) + f"--{boundary}--\n"
        headers = {"content-type": f'multipart/mixed; boundary="{boundary}"'}
        resp, content = http.request(self._batch_uri, method="POST", body=body, headers=headers)
        if resp.status >= 300:
            raise HttpError(resp, content, uri=self._batch_uri)
        content_type = resp.get("content-type", "")
        text = content.decode("utf-8")
        answers = _split_batch(content_type, text)
        if answers is None:
            answers = _split_batch_slowly(self, content_type, text, resp)
        for request_id, (response, payload) in answers.items():
            self._responses[request_id] = (response, payload.encode("utf-8"))


def _split_batch(content_type: str, text: str) -> dict[str, tuple[httplib2.Response, str]] | None:
    """Content-ID → (response, content) of each part; None when the format is unexpected."""
    match = _BOUNDARY.search(content_type)
    if match is None or not content_type.lower().startswith("multipart/"):
        return None
    delimiter = "--" + (match[1] if match[1] is not None else match[2])
    chunks = text.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith("--"):
        return None
    answers: dict[str, tuple[httplib2.Response, str]] = {}
    for chunk in chunks[1:-1]:
        # The line break before a delimiter belongs to it; the rest of its line is padding.
        if chunk.endswith("\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith("\n"):
            chunk = chunk[:-1]
        _padding, _, chunk = chunk.partition("\n")
        head, inner = _head_and_rest(chunk)
        if head is None or inner is None:
            return None
        content_id = head.get("content-id")
        if content_id is None:
            return None
        answers[_header_to_id(content_id)] = _response(inner)
    return answers


def _head_and_rest(text: str) -> tuple[dict[str, str] | None, str | None]:
    """Headers (lowercased names) and what follows the blank line; Nones if malformed."""
    blank = _BLANK_LINE.search(text)
    if blank is None:
        return None, None
    head: dict[str, str] = {}
    for line in _LINE_END.split(text[: blank.start()]) if blank.start() else ():
        name, colon, value = line.partition(":")
        if not colon or line[0] in " \t":  # folded lines: never in what Gmail sends
            return None, None
        head[name.strip().lower()] = value.strip()
    return head, text[blank.end() :]


def _response(payload: str) -> tuple[httplib2.Response, str]:
    """One ``application/http`` answer: the library's ``_deserialize_response``, minus MIME."""
    status_line, _, rest = payload.partition("\n")
    protocol, status, reason = status_line.rstrip("\r").split(" ", 2)
    head, content = _head_and_rest(rest)
    if head is None or content is None:
        raise BatchError("Malformed part in a batch answer.")
    head["status"] = status
    response = httplib2.Response(head)
    response.reason = reason
    response.version = int(protocol.split("/", 1)[1].replace(".", ""))
    return response, content


def _header_to_id(header: str) -> str:
    if not (header.startswith("<") and header.endswith(">") and " + " in header):
        raise BatchError(f"Invalid value for Content-ID: {header}")
    return unquote(header[1:-1].split(" + ", 1)[1])


def _split_batch_slowly(
    batch: BatchHttpRequest, content_type: str, text: str, resp: httplib2.Response
) -> dict[str, tuple[httplib2.Response, str]]:
    """The library's own parse of a batch answer."""
    parser = FeedParser()
    parser.feed(f"content-type: {content_type}\r\n\r\n{text}")
    mime_response = parser.close()
    if not mime_response.is_multipart():
        raise BatchError("Response not in multipart/mixed format.", resp=resp, content=text)
    answers = {}
    for part in mime_response.get_payload():
        request_id = batch._header_to_id(part["Content-ID"])
        answers[request_id] = batch._deserialize_response(part.get_payload())
    return answers


def _refused() -> TransportAuthError:
    return TransportAuthError("Google refused to refresh the access token (expired or revoked).")
