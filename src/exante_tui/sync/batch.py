"""Gmail reads with retries: single calls, and many calls through the batch endpoint.

Reads are safe to repeat, so 429, 5xx, 403 rate limits and broken connections are all
retried with exponential backoff; in a batch only the failed sub-requests go again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from typing import Any

import google.auth.exceptions
import httplib2
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
                batch = BatchHttpRequest(callback=settle, batch_uri=self.batch_uri)
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


def _refused() -> TransportAuthError:
    return TransportAuthError("Google refused to refresh the access token (expired or revoked).")
