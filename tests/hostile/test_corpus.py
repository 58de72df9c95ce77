"""The hostile-input corpus: every case in ``cases/*.json`` through both front ends.

Each request goes to ``POST /api/email/send`` (in-process ASGI) and to ``exante-tui send
--json -`` (the CLI's own dispatch, stdin replaced by the case's bytes). A refused case must
answer in the one error shape with the expected code and field, exit 2 / the HTTP status,
and reach Gmail not at all. An accepted case must be sent, and the message read back must
carry exactly the validated sender, recipients, subject and attachment names.
Display names (``accounts add``) go through the CLI only: there is no HTTP endpoint for them.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import json
import sys
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage as MimeMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from builders import add_thread, b64, stored_raw, write_token_file
from exante_tui.api.app import create_app
from exante_tui.api.tokens import ApiTokens
from exante_tui.cli.entry import build_parser, dispatch
from exante_tui.core.addresses import bare_address, check_address
from exante_tui.core.parse_back import built_headers
from exante_tui.services import Services
from exante_tui.store.models import Account, EmailMessage
from fakes.gmail_server import FakeGmail

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx is what we test with
    from fastapi.testclient import TestClient

CASES = Path(__file__).parent / "cases"
URL = "/api/email/send"
EXIT = {"validation_error": 2, "not_found": 2}
HEADERS = {
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
    "content-type", "content-transfer-encoding", "in-reply-to", "references",
}  # fmt: skip


def load(name: str) -> Any:
    return json.loads((CASES / name).read_text())


@dataclass
class Case:
    """One request and what must come of it."""

    name: str
    body: bytes
    status: int = 422
    code: str = "validation_error"
    field: str | None = None
    max_details: int | None = None
    request: dict[str, Any] = dataclasses.field(default_factory=dict)
    expect: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class World:
    """The store, the account, the threads and both front ends the cases run against."""

    services: Services
    account: Account
    client: TestClient
    auth: dict[str, str]
    fake: FakeGmail
    log_path: Path
    places: dict[str, str]
    failures: list[str] = dataclasses.field(default_factory=list)

    def substitute(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.places.get(value, value)
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        return value

    def request(self, spec: dict[str, Any]) -> dict[str, Any]:
        base: dict[str, Any] = {
            "from_account_id": str(self.account.id),
            "to": ["ap@contoso.example"],
            "subject": "Invoice INV-2024-001",
            "body_text": "Hello",
        }
        for key, value in self.substitute(spec.get("set", {})).items():
            if value is None:
                base.pop(key, None)
            else:
                base[key] = value
        for key, (item, count) in spec.get("set_repeat", {}).items():
            base[key] = [copy.deepcopy(item) for _ in range(count)]
        if "set_big" in spec:
            data = b64(bytes(spec["set_big"]["bytes"]))
            base["attachments"] = [
                {"filename": "scan.pdf", "content_type": "application/pdf", "data_base64": data}
            ]
        for n in range(spec.get("extra_fields", 0)):
            base[f"unknown_{n}"] = n
        return base

    def case(self, spec: dict[str, Any]) -> Case:
        request: dict[str, Any] = {}
        if "raw" in spec:
            body = spec["raw"].encode()
        elif "raw_latin1" in spec:
            body = spec["raw_latin1"].encode("latin-1")
        elif "raw_repeat" in spec:
            head, unit, count, tail = spec["raw_repeat"]
            body = (head + unit * count + tail).encode()
        elif "raw_nested" in spec:
            opening, closing, depth = spec["raw_nested"]
            body = (opening * depth + "1" + closing * depth).encode()
        else:
            request = self.request(spec)
            body = json.dumps(request).encode()
        return Case(
            name=spec["name"],
            body=body,
            status=spec.get("status", 422),
            code=spec.get("code", "validation_error"),
            field=spec.get("field"),
            max_details=spec.get("max_details"),
            request=request,
            expect=spec,
        )

    def fail(self, case: Case, front: str, problem: str) -> None:
        self.failures.append(f"{case.name} [{front}]: {problem}")

    # -- the two front ends -------------------------------------------------------------------

    def http(self, case: Case) -> tuple[int, Any]:
        response = self.client.post(URL, content=case.body, headers=self.auth)
        return response.status_code, response.json()

    def cli(self, argv: list[str], stdin: bytes = b"") -> tuple[int, Any]:
        args = build_parser().parse_args(argv)
        out = io.StringIO()
        with replaced_stdin(stdin), contextlib.redirect_stdout(out):
            code = dispatch(args, self.services, self.log_path)
        text = out.getvalue()
        return code, json.loads(text) if text.strip() else None

    # -- the checks ---------------------------------------------------------------------------

    def refused(self, case: Case) -> None:
        for front, (status, payload) in (
            ("http", self.http(case)),
            ("cli", self.cli(["send", "--json", "-"], case.body)),
        ):
            wanted = case.status if front == "http" else EXIT[case.code]
            self.check_error(case, front, status, wanted, payload)

    def check_error(self, case: Case, front: str, status: int, wanted: int, payload: Any) -> None:
        if status != wanted:
            self.fail(case, front, f"answered {status}, not {wanted}: {payload}")
            return
        error = (payload or {}).get("error") or {}
        details = error.get("details") or []
        if set(payload) != {"error"} or error.get("code") != case.code:
            self.fail(case, front, f"not a {case.code} in the one shape: {payload}")
        elif not details or not all(d.get("field") for d in details):
            self.fail(case, front, f"details without fields: {payload}")
        elif case.field is not None and case.field not in {d["field"] for d in details}:
            self.fail(case, front, f"no detail for {case.field!r}: {details[:3]}")
        elif case.max_details is not None and len(details) > case.max_details:
            self.fail(case, front, f"{len(details)} details, over {case.max_details}")

    def accepted(self, case: Case) -> None:
        status, payload = self.http(case)
        self.check_sent(case, "http", status == 200, payload)
        code, payload = self.cli(["send", "--json", "-"], case.body)
        self.check_sent(case, "cli", code == 0, payload)

    def check_sent(self, case: Case, front: str, ok: bool, payload: Any) -> None:
        if not ok or not payload or payload.get("status") != "sent":
            self.fail(case, front, f"not sent: {payload}")
            return
        raw = stored_raw(self.services, uuid.UUID(payload["outbound_email_uid"]))
        if self.fake.sent[-1]["raw"] != raw:
            self.fail(case, front, "Gmail got other bytes than were recorded")
        for problem in message_problems(raw, case, self.account):
            self.fail(case, front, problem)


@contextlib.contextmanager
def replaced_stdin(data: bytes) -> Iterator[None]:
    previous = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        yield
    finally:
        sys.stdin = previous


def mailboxes(values: list[str]) -> set[str]:
    return {bare_address(check_address(v)) for v in values}


def message_problems(raw: bytes, case: Case, account: Account) -> Iterator[str]:
    """How the message read back differs from what was validated (nothing, when sent right)."""
    headers = built_headers(raw)
    extra = set(headers) - HEADERS
    if extra or any(len(values) > 1 for values in headers.values()):
        yield f"headers beyond the validated ones: {sorted(headers)}"
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, MimeMessage)
    request = case.request
    found = {
        name: {a.addr_spec.lower() for a in parsed[name].addresses} if parsed[name] else set()
        for name in ("From", "To", "Cc", "Bcc")
    }
    wanted = {
        "From": {account.email},
        "To": mailboxes(request.get("to") or []),
        "Cc": mailboxes(request.get("cc") or []),
        "Bcc": mailboxes(request.get("bcc") or []),
    }
    if found != wanted:
        yield f"recipients {found} are not the validated {wanted}"
    subject = case.expect.get("subject_shown", request.get("subject"))
    if str(parsed["Subject"]) != subject:
        yield f"subject {str(parsed['Subject'])!r} is not {subject!r}"
    names = [part.get_filename() for part in parsed.iter_attachments()]
    if names != [a["filename"] for a in request.get("attachments") or []]:
        yield f"attachment names {names}"
    if (
        "references" in case.expect
        and str(parsed["References"]).split() != case.expect["references"]
    ):
        yield f"References {parsed['References']}"


# -- fixtures and tests -----------------------------------------------------------------------


@pytest.fixture
def world(services: Services, fake_gmail: FakeGmail, tmp_path: Path) -> Iterator[World]:
    token_file = write_token_file(tmp_path / "token.json")
    account = services.accounts.add_gmail_from_token_file(
        "billing@northwind.example", token_file, "Northwind Billing"
    )
    _, messages = add_thread(services, account)
    _, [bad] = add_thread(services, account, thread_id="t-bad", message_ids=("<a@b> =?x?q?=0A?=",))
    parent = messages[-1]
    with services.store.session() as session:
        stored = session.get(EmailMessage, parent.id)
        assert stored is not None
        stored.references = (
            "<first@contoso.example> =?utf-8?q?=0D=0ABcc=3A_x=40evil.example?= <no-at-sign> "
            "<ok@contoso.example>"
        )
    token = ApiTokens(services.store).create("corpus").token
    places = {"$REPLY": str(parent.id), "$REPLY_BADID": str(bad.id)}
    with TestClient(create_app(services)) as client:
        yield World(
            services,
            account,
            client,
            {"Authorization": f"Bearer {token}"},
            fake_gmail,
            tmp_path / "corpus.log",
            places,
        )


def fill(template: Any, payload: str) -> Any:
    """``template`` with every ``$P`` in its strings replaced by ``payload``."""
    if isinstance(template, str):
        return template.replace("$P", payload)
    if isinstance(template, list):
        return [fill(item, payload) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, payload) for key, value in template.items()}
    return template


def matrix_specs() -> list[dict[str, Any]]:
    """Every payload in every target."""
    matrix = load("injection_matrix.json")
    return [
        {
            "name": f"{payload['why']} in {target['field']}",
            "set": fill(target["set"], payload["value"]),
            "field": target["field"],
        }
        for payload in matrix["payloads"]
        for target in matrix["targets"]
    ]


def corpus_size() -> int:
    refused = len(matrix_specs()) + len(load("raw_bodies.json")["cases"])
    refused += len(load("fields.json")["cases"])
    names = len(load("injection_matrix.json")["payloads"])
    return refused + len(load("accepted.json")["cases"]) + names


def test_the_corpus_holds_over_500_cases() -> None:
    assert corpus_size() >= 500


def run_refused(world: World, specs: list[dict[str, Any]]) -> None:
    before = len(world.fake.requests)
    for spec in specs:
        world.refused(world.case(spec))
    assert world.failures == [], "\n".join(world.failures[:40])
    assert len(world.fake.requests) == before, "a refused request reached Gmail"


def test_header_injection_matrix(world: World) -> None:
    run_refused(world, matrix_specs())


def test_raw_bodies(world: World) -> None:
    run_refused(world, load("raw_bodies.json")["cases"])


def test_hostile_fields_counts_and_sizes(world: World) -> None:
    run_refused(world, load("fields.json")["cases"])


def test_accepted_requests_send_exactly_what_was_validated(world: World) -> None:
    for spec in load("accepted.json")["cases"]:
        world.accepted(world.case(spec))
    assert world.failures == [], "\n".join(world.failures[:40])


def test_display_names_at_accounts_add(world: World) -> None:
    before = len(world.fake.requests)
    for payload in load("injection_matrix.json")["payloads"]:
        argv = ["accounts", "add", "--provider", "outbox", "--email", "desk@northwind.example"]
        code, answer = world.cli([*argv, "--display-name", payload["value"], "--json"])
        case = Case(f"display name: {payload['why']}", b"", field="display_name")
        world.check_error(case, "cli", code, 2, answer)
    assert world.failures == [], "\n".join(world.failures[:40])
    assert len(world.fake.requests) == before
