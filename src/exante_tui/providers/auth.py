"""OAuth: Google's installed-app consent flow (tokens are kept by ``providers.tokens``).

``authorize`` runs the flow on a free loopback port and returns the credentials; only
``accounts add`` imports this module, so nothing else loads the OAuth libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from exante_tui.providers.base import TransportAuthError, TransportError
from exante_tui.providers.tokens import TokenFileError

GMAIL_SCOPES = (
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.readonly",
)
"""Sending, drafts, reading threads and ``rfc822msgid:`` search (Gmail API scopes)."""

_SUCCESS_PAGE = "exante-tui is connected to your Gmail account. You can close this tab."


class _AnnouncingFlow(InstalledAppFlow):
    """The installed-app flow, handing the consent URL to a callback instead of stdout."""

    announce: Callable[[str], None]

    def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
        url, state = super().authorization_url(**kwargs)
        self.announce(url)
        return url, state


def authorize(
    client_secrets: Path,
    *,
    open_browser: bool,
    announce: Callable[[str], None],
    timeout: float | None = 600.0,
) -> Credentials:
    """Run Google's installed-app consent flow on a free loopback port.

    ``announce(url)`` receives the consent URL (to print for a machine without a browser);
    the browser is opened only if ``open_browser``. Waits ``timeout`` seconds for consent.
    Raises ``TokenFileError`` for an unusable client-secrets file and ``TransportAuthError``
    when consent is refused, times out or the code exchange fails.
    """
    try:
        flow = _AnnouncingFlow.from_client_secrets_file(
            str(client_secrets), scopes=list(GMAIL_SCOPES)
        )
    except (OSError, ValueError) as exc:
        raise TokenFileError(
            f"cannot use the client secrets {client_secrets}: {exc.__class__.__name__}"
        ) from None
    flow.announce = announce
    try:
        credentials = flow.run_local_server(
            host="127.0.0.1",
            port=0,
            open_browser=open_browser,
            authorization_prompt_message=None,
            success_message=_SUCCESS_PAGE,
            timeout_seconds=timeout,
            prompt="consent",
        )
    except OAuth2Error as exc:
        raise TransportAuthError(f"Google did not authorize the account: {exc.error}") from None
    except WSGITimeoutError:
        raise TransportAuthError("No answer from the browser; the consent timed out.") from None
    except requests.RequestException as exc:
        raise TransportError(
            f"Could not reach Google to finish the authorization: {exc.__class__.__name__}"
        ) from None
    assert isinstance(credentials, Credentials)
    return credentials
