"""One Gmail client policy: what to retry, how long to wait, how fast to go.

Every Gmail call of the program (sends, sync reads, batches, attachment downloads) goes
through a :class:`GmailPolicy`:

* **Pacing.** Each call waits for its quota units in the account's
  :class:`~exante_tui.providers.pacing.QuotaBucket`. A refusal (429, or 403
  ``rateLimitExceeded``) halves the bucket's rate; each accepted round trip raises it (AIMD).
* **Retries.** 429, the rate-limit 403s and 5xx are retried after exponential backoff with
  jitter; a ``Retry-After`` (header, or Gmail's "Retry after <time>") pauses the whole
  account until then instead. In a batch only the refused parts go again.
* **Sends are never retried blindly.** A call that may take effect without answering (a 5xx,
  a timeout or a broken connection during a send) passes ``settle``: after the pause the
  policy asks ``settle`` whether the effect happened; found, it is the result; not found,
  the call is retried; if looking fails, ``TransportAmbiguous`` is raised.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from itertools import islice
from typing import Any, TypeVar

import google.auth.exceptions
import httplib2
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from exante_tui.providers.base import TransportAmbiguous, TransportAuthError, TransportError
from exante_tui.providers.batch import send_batch
from exante_tui.providers.pacing import QuotaBucket, units_of

T = TypeVar("T")

MAX_BATCH_SIZE = 100
"""Gmail's limit of sub-requests per batch."""

DEFAULT_BATCH_SIZE = 50
"""Gmail recommends at most 50; larger batches trip its rate limits."""

_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_JITTER = 0.1
"""Random extra delay, as a fraction of the base delay."""
_RETRY_AFTER_TEXT = re.compile(r"Retry after (\d{4}-\d\d-\d\dT[\d:.]+Z)")

Results = dict[str, dict[str, Any] | None]
"""Responses by request key; None for an item Gmail no longer has (404)."""


class GmailPolicy:
    """Runs Gmail requests for one account: paced by its bucket, retried by the rules."""

    def __init__(
        self,
        bucket: QuotaBucket,
        *,
        batch_uri: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_retries: int = 5,
        retry_base_delay: float = 1.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """``sleep`` waits out backoff delays (the bucket's clock if None); ``batch_size``
        1 sends each request of :meth:`run` on its own."""
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH_SIZE}")
        self.bucket = bucket
        self.batch_uri = batch_uri
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.retry_base_delay = retry_base_delay
        self.sleep = sleep or bucket.clock.sleep

    def backoff(self, attempt: int) -> float:
        """The pause before retry ``attempt + 1``: exponential, with jitter."""
        return self.retry_base_delay * (2.0**attempt + random.uniform(0, _JITTER))

    def call(
        self,
        func: Callable[[], T],
        units: int,
        *,
        settle: Callable[[], T | None] | None = None,
        retry_lost: bool = True,
    ) -> T:
        """Run one call costing ``units``, retrying refusals and server errors.

        ``settle`` marks a call that may take effect without answering (a send, see the
        module doc). Without it, a timeout or broken connection is retried only if
        ``retry_lost``; a connection refused outright is retried only then too.
        """
        attempt = 0
        while True:
            self.bucket.take(units)
            retry_after: float | None = None
            try:
                result = func()
            except HttpError as exc:
                if not is_retryable(exc):
                    raise http_error(exc, retries=attempt) from exc
                failure, unsure = http_error(exc, retries=attempt), exc.resp.status >= 500
                if not unsure:
                    retry_after = retry_after_of(exc)
                    self.bucket.refused(retry_after)
            except google.auth.exceptions.RefreshError as exc:
                raise _refused() from exc
            except google.auth.exceptions.TransportError as exc:
                raise TransportError(
                    f"Could not reach Google to refresh the access token: {exc}"
                ) from exc
            except (ConnectionRefusedError, httplib2.ServerNotFoundError) as exc:
                failure, unsure = TransportError(f"Could not talk to Gmail: {exc}"), False
                if not retry_lost:
                    raise failure from exc
            except (OSError, httplib2.HttpLib2Error) as exc:
                text = "did not answer in time" if isinstance(exc, TimeoutError) else "failed"
                failure, unsure = TransportError(f"The call to Gmail {text}: {exc}"), True
                if settle is None and not retry_lost:
                    raise failure from exc
            else:
                self.bucket.accepted()
                return result
            last = attempt >= self.max_retries
            if unsure and settle is not None:
                self.sleep(self.backoff(attempt))
                found = look_for(settle, failure)
                if found is not None:
                    return found
            elif not last and retry_after is None:  # else the bucket waits it out
                self.sleep(self.backoff(attempt))
            if last:
                raise failure
            attempt += 1

    def execute(self, request: HttpRequest) -> Any:
        """A read: ``request.execute()`` paced and retried (safe to repeat)."""
        return self.call(request.execute, units_of(request))

    def run(self, requests: Mapping[str, HttpRequest]) -> Iterator[Results]:
        """Execute reads ``requests`` (by key) in batches, yielding each batch's results.

        A batch holds at most ``batch_size`` requests and a second of quota. Refused or
        failed parts go again in a later batch; a part still failing after
        ``max_retries`` raises ``TransportError`` (``TransportAuthError`` for credentials).
        """
        pending = dict(requests)
        attempts: dict[str, int] = {}
        while pending:
            chunk = {key: pending.pop(key) for key in self._next_keys(pending)}
            results, again, retry_after = self._round_trip(chunk)
            if again and retry_after is None:
                self.sleep(self.backoff(max(attempts.get(key, 0) for key in again)))
            for key in again:
                attempts[key] = attempts.get(key, 0) + 1
                if attempts[key] > self.max_retries:
                    raise TransportError(
                        f"Gmail kept failing {len(again)} requests after {self.max_retries} "
                        "retries (rate limits, server errors or broken connections)."
                    )
                pending[key] = chunk[key]
            if results:
                yield results

    def _next_keys(self, pending: dict[str, HttpRequest]) -> list[str]:
        keys: list[str] = []
        units = 0
        for key in islice(pending, self.batch_size):
            cost = units_of(pending[key])
            if keys and units + cost > self.bucket.capacity:
                break
            keys.append(key)
            units += cost
        return keys

    def _round_trip(self, chunk: dict[str, HttpRequest]) -> tuple[Results, list[str], float | None]:
        """One request (or batch): results, the keys to try again, Gmail's Retry-After."""
        self.bucket.take(sum(units_of(request) for request in chunk.values()))
        try:
            answers = self._answers(chunk)
        except HttpError as exc:  # the batch request itself failed
            if not is_retryable(exc):
                raise http_error(exc, retries=0) from exc
            answers = {key: exc for key in chunk}
        except google.auth.exceptions.RefreshError as exc:
            raise _refused() from exc
        except (OSError, httplib2.HttpLib2Error) as exc:
            answers = {key: exc for key in chunk}
        results: Results = {}
        again: list[str] = []
        refused, retry_after = False, None
        for key, answer in answers.items():
            if not isinstance(answer, Exception):
                results[key] = answer
            elif isinstance(answer, HttpError) and answer.resp.status == 404:
                results[key] = None
            elif isinstance(answer, HttpError) and not is_retryable(answer):
                raise http_error(answer, retries=0) from answer
            else:
                again.append(key)
                if isinstance(answer, HttpError) and answer.resp.status < 500:
                    refused = True
                    after = retry_after_of(answer)
                    if after is not None:
                        retry_after = max(after, retry_after or 0.0)
        if refused:
            self.bucket.refused(retry_after)
        else:
            self.bucket.accepted()
        return results, again, retry_after

    def _answers(self, chunk: dict[str, HttpRequest]) -> dict[str, Any]:
        """Each key's parsed response, or the exception its part answered with."""
        if len(chunk) == 1 or self.batch_uri is None:
            answers: dict[str, Any] = {}
            for key, request in chunk.items():
                try:
                    answers[key] = request.execute()
                except HttpError as exc:
                    answers[key] = exc
            return answers
        http = next(iter(chunk.values())).http
        parts = send_batch(http, self.batch_uri, chunk)
        answers = {key: BrokenPipeError("no answer in the batch") for key in chunk}
        for key, (response, content) in parts.items():
            request = chunk[key]
            try:
                answers[key] = request.postproc(response, content)
            except HttpError as exc:
                answers[key] = exc
        return answers


def look_for(settle: Callable[[], T | None], failure: TransportError) -> T | None:
    """The effect of an ambiguous call if Gmail has it; ``TransportAmbiguous`` if unclear."""
    try:
        return settle()
    except TransportError as exc:
        raise TransportAmbiguous(
            f"{failure}; the message may or may not have been sent (searching the "
            f"mailbox for it failed: {exc})",
            status=failure.status,
        ) from exc


def _refused() -> TransportAuthError:
    return TransportAuthError(
        "Google refused to refresh the account's access token (expired or revoked); "
        "reconnect the account."
    )


def _error_body(exc: HttpError) -> dict[str, Any]:
    try:
        data = json.loads(exc.content)
        return data["error"] if isinstance(data.get("error"), dict) else {}
    except (ValueError, TypeError, AttributeError):
        return {}


def _error_reason(exc: HttpError) -> str | None:
    """The first ``errors[].reason`` of a Gmail error body, if any."""
    try:
        reason = _error_body(exc)["errors"][0]["reason"]
    except (KeyError, IndexError, TypeError):
        return None
    return reason if isinstance(reason, str) else None


def is_retryable(exc: HttpError) -> bool:
    """429, 5xx and 403 rate limits: worth another try after a pause."""
    status = exc.resp.status
    if status == 429 or status >= 500:
        return True
    return status == 403 and _error_reason(exc) in _RATE_LIMIT_REASONS


def retry_after_of(exc: HttpError, now: datetime | None = None) -> float | None:
    """Seconds Gmail asked to wait: a ``Retry-After`` header (seconds or a date), else the
    time in its "Retry after 2026-12-02T12:00:00.000Z" message; None when it did not say."""
    now = now or datetime.now(UTC)
    header = exc.resp.get("retry-after")
    when: datetime | None = None
    if header:
        if header.strip().isdigit():
            return float(header.strip())
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
    if when is None:
        found = _RETRY_AFTER_TEXT.search(str(_error_body(exc).get("message", "")))
        if found is None:
            return None
        when = datetime.fromisoformat(found[1].replace("Z", "+00:00"))
    return max(0.0, math.ceil((when - now).total_seconds() * 1000) / 1000)


def http_error(exc: HttpError, *, retries: int) -> TransportError:
    """A TransportError carrying the status and Gmail's own message."""
    status = exc.resp.status
    detail = exc.reason or "no details"
    after = f" after {retries} retries" if retries else ""
    if status == 401:
        return TransportAuthError(
            f"Gmail rejected the account's credentials (HTTP 401): {detail}", status=status
        )
    return TransportError(f"Gmail answered HTTP {status}{after}: {detail}", status=status)
