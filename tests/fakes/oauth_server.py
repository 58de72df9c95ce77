"""A loopback fake of Google's OAuth 2.0 endpoints: consent (``/auth``) and ``/token``.

``/auth`` plays the user who clicks "Allow": it answers with a redirect to the request's
``redirect_uri`` carrying a fresh ``code`` (or ``error=access_denied`` when ``deny`` is
set), so a "browser" that follows redirects completes the installed-app flow. ``/token``
exchanges codes (checking the PKCE verifier) and refresh tokens; refresh tokens listed in
``revoked`` get Google's ``invalid_grant``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from fakes.gmail_server import DEFAULT_TOKEN
from fakes.http import reply_json

CLIENT_ID = "fake-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-client-secret"
REFRESH_TOKEN = "fake-refresh-token-secret"


class FakeOAuth:
    """Google's consent and token endpoints on a loopback port."""

    def __init__(self, access_token: str = DEFAULT_TOKEN) -> None:
        self.access_token = access_token
        """What code exchanges and refreshes hand out."""
        self.deny = False
        self.revoked: set[str] = set()
        self.consents: list[dict[str, str]] = []
        """The query of each ``/auth`` visit."""
        self.token_forms: list[dict[str, str]] = []
        self._codes: dict[str, dict[str, str]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                fake._consent(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):  # client credentials may come this way instead
                    user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
                    form.setdefault("client_id", unquote(user))
                    form.setdefault("client_secret", unquote(password))
                reply_json(self, *fake._token(form))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.auth_uri = f"{self.root}/auth"
        self.token_uri = f"{self.root}/token"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def client_secrets(self, path: Path) -> Path:
        """Write a desktop-app client-secrets file pointing at this fake."""
        path.write_text(
            json.dumps(
                {
                    "installed": {
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "auth_uri": self.auth_uri,
                        "token_uri": self.token_uri,
                        "redirect_uris": ["http://localhost"],
                    }
                }
            )
        )
        return path

    def _consent(self, handler: BaseHTTPRequestHandler) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        self.consents.append(query)
        answer: dict[str, str] = {"state": query.get("state", "")}
        if self.deny:
            answer["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(12)
            self._codes[code] = query
            answer["code"] = code
            answer["scope"] = query.get("scope", "")
        handler.send_response(302)
        handler.send_header("Location", f"{query['redirect_uri']}?{urlencode(answer)}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_forms.append(form)
        if form.get("client_secret") != CLIENT_SECRET or form.get("client_id") != CLIENT_ID:
            return 401, {"error": "invalid_client"}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            consent = self._codes.pop(form.get("code", ""), None)
            if consent is None or not _pkce_ok(consent, form.get("code_verifier", "")):
                return 400, {"error": "invalid_grant", "error_description": "Bad code."}
            return 200, {
                "access_token": self.access_token,
                "refresh_token": REFRESH_TOKEN,
                "expires_in": 3599,
                "scope": consent.get("scope", ""),
                "token_type": "Bearer",
            }
        if grant == "refresh_token":
            if form.get("refresh_token") in self.revoked:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            return 200, {
                "access_token": self.access_token,
                "expires_in": 3599,
                "token_type": "Bearer",
            }
        return 400, {"error": "unsupported_grant_type"}


def _pkce_ok(consent: dict[str, str], verifier: str) -> bool:
    challenge = consent.get("code_challenge")
    if challenge is None:
        return True
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge


def click_allow(url: str) -> None:
    """Be the browser: open the consent URL and follow its redirect to the loopback app."""
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
