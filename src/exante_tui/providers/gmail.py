"""Sending through the Gmail API with google-api-python-client.

Small messages go as JSON (``users.messages.send`` with ``raw``); messages above
``upload_threshold`` go as a resumable ``message/rfc822`` media upload. Retries are our
own loop (429, 5xx, 403 rate limits) so the delays are injectable; a timeout or a broken
connection is never retried, because the message may already have gone out. After a
send, the Message-ID Gmail kept is read back (Gmail may replace ours).

A transport holds one ``httplib2.Http``, which is not thread-safe: use one transport
per thread.
"""

from __future__ import annotations

import base64
import io
import json
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import google.auth.exceptions
import httplib2
from google.auth.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest, MediaIoBaseUpload

from exante_tui.providers.base import (
    Delivery,
    ProgressCallback,
    TransportAuthError,
    TransportError,
)

T = TypeVar("T")

MAX_MESSAGE_BYTES = 36_700_160
"""Gmail's limit for one message (35 MiB), the ``maxSize`` of ``messages.send``."""

UPLOAD_CHUNK_SIZE = 1024 * 1024
"""Resumable upload chunk size; Google requires a multiple of 256 KiB."""

_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_JITTER = 0.1
"""Random extra delay, as a fraction of ``retry_base_delay``."""


class GmailTransport:
    """The :class:`~exante_tui.providers.base.Transport` that sends through Gmail."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        endpoint: str | None = None,
        timeout: float = 60.0,
        retry_base_delay: float = 1.0,
        max_retries: int = 5,
        upload_threshold: int = 5 * 1024 * 1024,
        upload_chunk_size: int = UPLOAD_CHUNK_SIZE,
        http: httplib2.Http | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Build the Gmail service; ``http`` (e.g. an ``HttpMockSequence``) bypasses auth."""
        self._timeout = timeout
        self._retry_base_delay = retry_base_delay
        self._max_retries = max_retries
        self._upload_threshold = upload_threshold
        self._upload_chunk_size = upload_chunk_size
        self._sleep = sleep
        if http is None:
            raw_http = httplib2.Http(timeout=timeout)
            # Resumable uploads answer "308 Resume Incomplete"; it is not a redirect.
            raw_http.redirect_codes = raw_http.redirect_codes - {308}
            http = AuthorizedHttp(credentials, http=raw_http)
        self._service: Any = build(
            "gmail",
            "v1",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": endpoint} if endpoint else None,
        )

    def send(
        self,
        raw: bytes,
        *,
        thread_id: str | None,
        progress: ProgressCallback | None = None,
    ) -> Delivery:
        """Send ``raw`` (RFC 5322 bytes), in ``thread_id`` if given, and return Gmail's ids.

        ``progress(sent, total)`` is called after each uploaded chunk and once at the end.
        """
        total = len(raw)
        if total > MAX_MESSAGE_BYTES:
            raise TransportError(
                f"The message is {total:,} bytes; Gmail accepts at most "
                f"{MAX_MESSAGE_BYTES:,} bytes (35 MiB) per message."
            )
        messages = self._service.users().messages()
        body = {"threadId": thread_id} if thread_id else {}
        if total <= self._upload_threshold:
            body["raw"] = base64.urlsafe_b64encode(raw).decode("ascii")
            request = messages.send(userId="me", body=body)
            result = self._call(request.execute)
        else:
            media = MediaIoBaseUpload(
                io.BytesIO(raw),
                mimetype="message/rfc822",
                chunksize=self._upload_chunk_size,
                resumable=True,
            )
            request = messages.send(userId="me", body=body, media_body=media)
            result = self._upload(request, total, progress)
        if progress is not None:
            progress(total, total)
        return Delivery(
            provider_message_id=result["id"],
            provider_thread_id=result["threadId"],
            rfc_message_id=self._read_message_id(result["id"]),
        )

    def _upload(
        self, request: HttpRequest, total: int, progress: ProgressCallback | None
    ) -> dict[str, Any]:
        """Drive a resumable upload chunk by chunk; each chunk has its own retry budget."""
        while True:
            status, result = self._call(request.next_chunk)
            if result is not None:
                return result
            if progress is not None and status is not None:
                progress(status.resumable_progress, total)

    def _read_message_id(self, message_id: str) -> str | None:
        """The Message-ID header Gmail stored, or None if it cannot be read back."""
        request = (
            self._service.users()
            .messages()
            .get(userId="me", id=message_id, format="metadata", metadataHeaders=["Message-ID"])
        )
        try:
            message = self._call(request.execute)
        except TransportError:
            return None
        for header in message.get("payload", {}).get("headers", []):
            if header.get("name", "").lower() == "message-id":
                return header.get("value")
        return None

    def _call(self, func: Callable[[], T]) -> T:
        """Run one API call, retrying rate limits and server errors with backoff."""
        attempt = 0
        while True:
            try:
                return func()
            except HttpError as exc:
                if attempt >= self._max_retries or not _is_retryable(exc):
                    raise _http_error(exc, retries=attempt) from exc
            except google.auth.exceptions.RefreshError as exc:
                raise TransportAuthError(
                    "Google refused to refresh the account's access token (expired or "
                    "revoked); reconnect the account."
                ) from exc
            except google.auth.exceptions.TransportError as exc:
                raise TransportError(
                    f"Could not reach Google to refresh the access token: {exc}"
                ) from exc
            except TimeoutError as exc:
                raise TransportError(
                    f"Gmail did not answer within {self._timeout:g} s; the message may or "
                    "may not have been sent."
                ) from exc
            except (OSError, httplib2.HttpLib2Error) as exc:
                raise TransportError(f"Could not talk to Gmail: {exc}") from exc
            delay = self._retry_base_delay * (2**attempt + random.uniform(0, _JITTER))
            self._sleep(delay)
            attempt += 1


def _error_reason(exc: HttpError) -> str | None:
    """The first ``errors[].reason`` of a Gmail error body, if any."""
    try:
        data = json.loads(exc.content)
        return data["error"]["errors"][0]["reason"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _is_retryable(exc: HttpError) -> bool:
    status = exc.resp.status
    if status == 429 or status >= 500:
        return True
    return status == 403 and _error_reason(exc) in _RATE_LIMIT_REASONS


def _http_error(exc: HttpError, *, retries: int) -> TransportError:
    """A TransportError carrying the status and Gmail's own message."""
    status = exc.resp.status
    detail = exc.reason or "no details"
    after = f" after {retries} retries" if retries else ""
    if status == 401:
        return TransportAuthError(
            f"Gmail rejected the account's credentials (HTTP 401): {detail}", status=status
        )
    return TransportError(f"Gmail answered HTTP {status}{after}: {detail}", status=status)
