"""Sending through the Gmail API with google-api-python-client.

Small messages go as JSON (``users.messages.send`` with ``raw``); messages above
``upload_threshold`` go as a resumable ``message/rfc822`` media upload. Pacing and
retries are the account's :class:`~exante_tui.providers.policy.GmailPolicy`.

A 5xx, a timeout or a broken connection during a send is ambiguous: Gmail may have sent
the message. After the backoff the transport looks for the message's Message-ID in the
mailbox (``rfc822msgid:`` search): found, it is the result; not found, the send is
retried; if the search itself fails, the send raises ``TransportAmbiguous`` and is never
retried blindly. Rate limits (429, 403) are certain refusals and are simply retried.
After a send, the Message-ID Gmail kept is read back (Gmail may replace ours).

A transport holds one ``httplib2.Http``, which is not thread-safe: use one transport
per thread.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

import google.auth.exceptions
import httplib2
from google.auth.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest, MediaIoBaseUpload

from exante_tui.mail.limits import GMAIL_MAX_MESSAGE_BYTES
from exante_tui.providers.base import (
    Delivery,
    ProgressCallback,
    TransportAuthError,
    TransportError,
    message_id_of,
)
from exante_tui.providers.pacing import DEFAULT_QUOTA, QuotaBucket, units_of
from exante_tui.providers.policy import GmailPolicy, http_error, look_for

DEFAULT_ENDPOINT = "https://gmail.googleapis.com/"

UPLOAD_CHUNK_SIZE = 1024 * 1024
"""Resumable upload chunk size; Google requires a multiple of 256 KiB."""


def build_service(
    credentials: Credentials,
    *,
    endpoint: str | None = None,
    timeout: float = 60.0,
    http: httplib2.Http | None = None,
) -> Any:
    """A Gmail v1 service on ``endpoint`` (Google's if None), authorised by ``credentials``.

    ``http`` (e.g. an ``HttpMockSequence``) replaces the authorised transport. One service
    holds one ``httplib2.Http``, which is not thread-safe: build one per thread.
    """
    if http is None:
        raw_http = httplib2.Http(timeout=timeout)
        # Resumable uploads answer "308 Resume Incomplete"; it is not a redirect.
        raw_http.redirect_codes = raw_http.redirect_codes - {308}
        http = AuthorizedHttp(credentials, http=raw_http)
    return build(
        "gmail",
        "v1",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": endpoint} if endpoint else None,
    )


def batch_uri(endpoint: str | None) -> str:
    """The Gmail batch URL for ``endpoint``; ``new_batch_http_request()`` ignores overrides."""
    return urljoin(endpoint or DEFAULT_ENDPOINT, "batch/gmail/v1")


def profile_email(
    credentials: Credentials, *, endpoint: str | None = None, timeout: float = 60.0
) -> str:
    """The mailbox address the credentials open (``users.getProfile``'s ``emailAddress``)."""
    service = build_service(credentials, endpoint=endpoint, timeout=timeout)
    try:
        profile = service.users().getProfile(userId="me").execute()
    except HttpError as exc:
        raise http_error(exc, retries=0) from exc
    except google.auth.exceptions.RefreshError as exc:
        raise TransportAuthError("Google refused the new token.") from exc
    except (OSError, httplib2.HttpLib2Error) as exc:
        raise TransportError(f"Could not talk to Gmail: {exc}") from exc
    return str(profile["emailAddress"])


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
        sleep: Callable[[float], None] | None = None,
        bucket: QuotaBucket | None = None,
    ) -> None:
        """Build the Gmail service; ``http`` (e.g. an ``HttpMockSequence``) bypasses auth.

        ``bucket`` is the account's shared quota bucket (a private one at Gmail's rate if
        None); ``sleep`` waits out backoff delays.
        """
        self._policy = GmailPolicy(
            bucket or QuotaBucket(DEFAULT_QUOTA),
            max_retries=max_retries,
            retry_base_delay=retry_base_delay,
            sleep=sleep,
        )
        self._upload_threshold = upload_threshold
        self._upload_chunk_size = upload_chunk_size
        self._service = build_service(credentials, endpoint=endpoint, timeout=timeout, http=http)
        self._messages = self._service.users().messages()
        """The ``users.messages`` resource, built once: each build costs about a millisecond."""

    def send(
        self,
        raw: bytes,
        *,
        thread_id: str | None,
        progress: ProgressCallback | None = None,
        message_id: str | None = None,
    ) -> Delivery:
        """Send ``raw`` (RFC 5322 bytes), in ``thread_id`` if given, and return Gmail's ids.

        ``progress(sent, total)`` is called after each uploaded chunk and once at the end;
        ``message_id`` (read from ``raw`` if not given) finds the message after an
        ambiguous failure.
        """
        total = len(raw)
        if total > GMAIL_MAX_MESSAGE_BYTES:
            raise TransportError(
                f"The message is {total:,} bytes; Gmail accepts at most "
                f"{GMAIL_MAX_MESSAGE_BYTES:,} bytes (35 MiB) per message."
            )
        messages = self._messages
        body = {"threadId": thread_id} if thread_id else {}
        message_id = message_id or message_id_of(raw)
        settle = (lambda: self._search(message_id)) if message_id else None
        if total <= self._upload_threshold:
            body["raw"] = base64.urlsafe_b64encode(raw).decode("ascii")
            request = messages.send(userId="me", body=body)
            result = self._policy.call(
                request.execute, units_of(request), settle=settle, retry_lost=False
            )
        else:
            media = MediaIoBaseUpload(
                io.BytesIO(raw),
                mimetype="message/rfc822",
                chunksize=self._upload_chunk_size,
                resumable=True,
            )
            request = messages.send(userId="me", body=body, media_body=media)
            result = self._upload(request, total, progress, settle)
        if progress is not None:
            progress(total, total)
        return Delivery(
            provider_message_id=result["id"],
            provider_thread_id=result["threadId"],
            rfc_message_id=self._read_message_id(result["id"]),
        )

    def find_sent(self, rfc_message_id: str) -> Delivery | None:
        """The message with this Message-ID in the mailbox (Trash included), if any.

        Gmail searches the Message-ID it kept: a message whose Message-ID Gmail replaced
        is not found by ours (the limit of reconciling by ``rfc822msgid:``).
        """
        found = self._search(rfc_message_id)
        if found is None:
            return None
        return Delivery(found["id"], found["threadId"], rfc_message_id)

    def _search(self, rfc_message_id: str) -> dict[str, Any] | None:
        """``messages.list`` for ``rfc822msgid:``: the first match (``id``, ``threadId``)."""
        request = self._messages.list(
            userId="me",
            q=f"rfc822msgid:{rfc_message_id.strip().strip('<>')}",
            includeSpamTrash=True,
            maxResults=1,
        )
        found = self._read(request).get("messages") or []
        return found[0] if found else None

    def _upload(
        self,
        request: HttpRequest,
        total: int,
        progress: ProgressCallback | None,
        settle: Callable[[], dict[str, Any] | None] | None,
    ) -> dict[str, Any]:
        """Drive a resumable upload chunk by chunk; each chunk has its own retry budget.

        Retrying a chunk resumes the same upload session, which Gmail completes at most
        once; if the upload breaks off ambiguously, the mailbox says whether it arrived.
        """
        units = units_of(request)  # charged once, with the first chunk
        result: dict[str, Any] | None
        try:
            while True:
                status, result = self._policy.call(request.next_chunk, units, retry_lost=False)
                units = 0
                if result is not None:
                    return result
                if progress is not None and status is not None:
                    progress(status.resumable_progress, total)
        except TransportAuthError:
            raise
        except TransportError as exc:
            if settle is None or (exc.status is not None and exc.status < 500):
                raise
            found = look_for(settle, exc)
            if found is None:
                raise
            return found

    def _read(self, request: HttpRequest) -> dict[str, Any]:
        """A read the send needs; a lost answer is not retried (the send decides)."""
        return self._policy.call(request.execute, units_of(request), retry_lost=False)

    def _read_message_id(self, message_id: str) -> str | None:
        """The Message-ID header Gmail stored, or None if it cannot be read back."""
        request = self._messages.get(
            userId="me", id=message_id, format="metadata", metadataHeaders=["Message-ID"]
        )
        try:
            message = self._read(request)
        except TransportError:
            return None
        for header in message.get("payload", {}).get("headers", []):
            if header.get("name", "").lower() == "message-id":
                value = header.get("value")
                return value if isinstance(value, str) else None
        return None
