"""Full and incremental sync through the real Gmail client against the loopback fake."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlmodel import select

from exante_tui.errors import NotFound, ProviderFailure, ValidationFailed
from exante_tui.providers.gmail import batch_uri, build_service
from exante_tui.providers.pacing import QuotaBucket
from exante_tui.providers.policy import GmailPolicy
from exante_tui.services import Services
from exante_tui.store.models import Account, Direction, EmailMessage, OutboundEmail
from exante_tui.sync import SyncProgress, run_sync
from exante_tui.sync.gmail import GmailSync
from fakes.gmail_mailbox import build_mail
from fakes.gmail_server import FakeGmail, fake_credentials
from sync.helpers import T0, conversation_of, counts, messages_of, seed_threads, sync_ok

PDF = b"%PDF-1.4 invoice bytes \x00\x01\x02" * 50


def routes(fake: FakeGmail, name: str) -> int:
    return sum(1 for request in fake.requests if request.route == name)


def test_full_sync_imports_a_thread_with_every_field(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    box = fake_gmail.mailbox
    first = box.deliver(
        build_mail(
            subject="Invoice INV-7 — März",
            sender="María García <maria@contoso.example>",
            to=["billing@northwind.example", '"Doe, John" <john@northwind.example>'],
            cc=["ap@contoso.example"],
            text="Please find the invoice attached.\n",
            html_body="<p>Please find the <b>invoice</b> attached.</p>",
            attachments=[("INV-7.pdf", "application/pdf", PDF)],
            message_id="<inv7@contoso.example>",
            date=T0,
        )
    )
    box.deliver(
        build_mail(
            subject="Re: Invoice INV-7 — März",
            text="Paid today.",
            message_id="<paid@contoso.example>",
            in_reply_to="<inv7@contoso.example>",
            references="<inv7@contoso.example>",
            date=T0 + timedelta(hours=2),
        ),
        thread_id=first,
    )

    result = sync_ok(services)

    assert (result.mode, result.fetched, result.conversations_added, result.messages_added) == (
        "full",
        1,
        1,
        2,
    )
    conversation = conversation_of(services, first)
    assert conversation.account_id == gmail_account.id
    assert conversation.owner_email == "billing@northwind.example"
    assert conversation.subject == "Invoice INV-7 — März"
    assert conversation.last_message_at == T0 + timedelta(hours=2)
    assert conversation.snippet == "Paid today."
    invoice, paid = messages_of(services, first)
    assert invoice.gmail_message_id == first
    assert invoice.rfc_message_id == "<inv7@contoso.example>"
    assert invoice.from_address == "María García <maria@contoso.example>"
    assert invoice.to == ["billing@northwind.example", '"Doe, John" <john@northwind.example>']
    assert invoice.cc == ["ap@contoso.example"]
    assert invoice.date == T0
    assert invoice.body_text == "Please find the invoice attached.\n"
    assert invoice.body_html == "<p>Please find the <b>invoice</b> attached.</p>\n"
    assert invoice.direction == Direction.INBOUND
    [attachment] = invoice.attachments
    assert attachment["filename"] == "INV-7.pdf"
    assert attachment["content_type"] == "application/pdf"
    assert attachment["size"] == len(PDF)
    assert attachment["gmail_attachment_id"]
    assert routes(fake_gmail, "messages.attachments.get") == 0  # content is fetched on demand
    assert paid.in_reply_to == "<inv7@contoso.example>"
    assert paid.references == "<inv7@contoso.example>"
    with services.store.session() as session:
        account = session.get(Account, gmail_account.id)
        assert account is not None
    assert account.history_id == str(box.history_id)
    assert account.last_synced_at is not None


def test_html_only_mail_is_kept_as_html_and_readable_text(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    thread = fake_gmail.mailbox.deliver(
        build_mail(
            subject="Newsletter",
            text=None,
            html_body="<h1>News</h1><p>Fish &amp; chips</p><ul><li>one</li></ul>",
        )
    )

    sync_ok(services)

    [message] = messages_of(services, thread)
    assert message.body_html is not None and "<h1>" in message.body_html
    assert message.body_text == "News\n\nFish & chips\n\n  * one\n"


def test_labels_are_kept_by_name_and_follow_changes(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    box = fake_gmail.mailbox
    box.user_labels["Label_7"] = "Clients/Fabrikam"
    unread = box.deliver(build_mail(subject="Renewal"), labels=["INBOX", "UNREAD", "Label_7"])
    starred = box.deliver(build_mail(subject="Statement"), labels=["INBOX", "STARRED"])
    sync_ok(services)
    [first] = messages_of(services, unread)
    assert first.labels == ["Clients/Fabrikam", "INBOX", "UNREAD"]
    assert messages_of(services, starred)[0].labels == ["INBOX", "STARRED"]

    box.relabel(unread, remove=["UNREAD"], add=["STARRED"])
    result = sync_ok(services)

    assert (result.mode, result.messages_relabeled, result.fetched) == ("incremental", 1, 0)
    assert messages_of(services, unread)[0].labels == ["Clients/Fabrikam", "INBOX", "STARRED"]
    assert routes(fake_gmail, "labels.list") == 2  # once per sync run


def test_full_sync_takes_the_newest_threads_page_by_page(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    threads = seed_threads(fake_gmail.mailbox, 7)
    service = build_service(fake_credentials(), endpoint=fake_gmail.endpoint)
    gmail = GmailPolicy(
        QuotaBucket(10_000), batch_uri=batch_uri(fake_gmail.endpoint), retry_base_delay=0
    )
    engine = GmailSync(services.store, gmail_account, service, gmail, page_size=2)

    result = engine.run(max_threads=5)

    assert result.fetched == 5
    listed = [r for r in fake_gmail.requests if r.route == "threads.list"]
    assert [r.query.get("maxResults") for r in listed] == [["2"], ["2"], ["1"]]
    assert [r.query.get("pageToken") for r in listed] == [None, ["2"], ["4"]]
    assert [len(messages_of(services, t)) for t in threads] == [0, 0, 1, 1, 1, 1, 1]


def test_requests_go_in_batches_of_50(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 120)

    result = sync_ok(services)

    assert result.fetched == 120
    assert routes(fake_gmail, "batch") == 3
    assert routes(fake_gmail, "threads.get") == 120
    assert counts(services) == (120, 120)


def test_incremental_sync_adds_a_reply_to_the_existing_thread(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    [thread] = seed_threads(fake_gmail.mailbox, 1, per_thread=2)
    sync_ok(services)
    conversation = conversation_of(services, thread)
    fake_gmail.mailbox.deliver(
        build_mail(
            subject="Re: Order 0",
            text="A third word.",
            message_id="<third@contoso.example>",
            in_reply_to="<t0m1@contoso.example>",
            references="<t0m0@contoso.example> <t0m1@contoso.example>",
            date=T0 + timedelta(days=1),
        ),
        thread_id=thread,
    )
    listed_before = routes(fake_gmail, "threads.list")

    result = sync_ok(services)

    assert (result.mode, result.fetched, result.messages_added) == ("incremental", 1, 1)
    assert result.conversations_added == 0
    assert routes(fake_gmail, "threads.list") == listed_before
    assert routes(fake_gmail, "history.list") == 1
    messages = messages_of(services, thread)
    assert [m.rfc_message_id for m in messages][-1] == "<third@contoso.example>"
    assert {m.conversation_id for m in messages} == {conversation.id}
    updated = conversation_of(services, thread)
    assert updated.last_message_at == T0 + timedelta(days=1)
    assert updated.snippet == "A third word."


def test_incremental_sync_creates_new_conversations(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 2)
    sync_ok(services)
    fake_gmail.mailbox.deliver(build_mail(subject="Brand new"))

    result = sync_ok(services)

    assert (result.mode, result.conversations_added) == ("incremental", 1)
    assert counts(services) == (3, 3)


def test_expired_history_falls_back_to_a_full_sync(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 3)
    sync_ok(services)
    seed_threads(fake_gmail.mailbox, 1)
    fake_gmail.mailbox.expire_history()

    result = sync_ok(services)

    assert result.mode == "full"
    assert result.messages_added == 1
    assert counts(services) == (4, 4)
    history = [r for r in fake_gmail.requests if r.route == "history.list"]
    assert len(history) == 1


def test_re_running_sync_never_duplicates_rows(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 5, per_thread=3)
    sync_ok(services)
    assert counts(services) == (5, 15)

    again = sync_ok(services)
    with services.store.session() as session:
        account = session.get(Account, gmail_account.id)
        assert account is not None
        account.history_id = None  # force a second full sync over the same mail
    full_again = sync_ok(services)

    assert again.messages_added == full_again.messages_added == 0
    assert full_again.mode == "full"
    assert counts(services) == (5, 15)


def test_rate_limited_sub_requests_are_retried_alone(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 10)
    fake_gmail.fail_next(429, count=3, route="threads.get")

    result = sync_ok(services)

    assert result.fetched == 10
    assert counts(services) == (10, 10)
    assert routes(fake_gmail, "threads.get") == 13
    assert routes(fake_gmail, "batch") == 2  # the retry carries only the 3 refused parts


def test_a_rate_limited_batch_is_retried(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 4)
    fake_gmail.fail_next(429, route="batch")

    sync_ok(services)

    assert counts(services) == (4, 4)
    assert routes(fake_gmail, "batch") == 2


def test_endless_rate_limits_end_in_a_provider_error_and_no_history(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 2)
    fake_gmail.fail_next(429, count=1000, route="threads.get")

    [result] = run_sync(services).accounts

    assert isinstance(result.error, ProviderFailure)
    assert "billing@northwind.example" in result.error.message
    with services.store.session() as session:
        account = session.get(Account, gmail_account.id)
        assert account is not None and account.history_id is None


def test_progress_counts_threads_done_of_total(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 60)
    updates: list[SyncProgress] = []

    sync_ok(services, progress=updates.append)

    assert [(u.done, u.total, u.unit) for u in updates] == [
        (0, 60, "threads"),
        (50, 60, "threads"),
        (60, 60, "threads"),
    ]
    assert {u.account_email for u in updates} == {"billing@northwind.example"}


def test_drafts_spam_and_trash_are_not_imported(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    box = fake_gmail.mailbox
    box.deliver(build_mail(subject="Kept"))
    for label in ("DRAFT", "SPAM", "TRASH"):
        box.deliver(build_mail(subject=label), labels=[label])

    sync_ok(services)
    box.deliver(build_mail(subject="late draft"), labels=["DRAFT"])
    sync_ok(services)

    assert counts(services) == (1, 1)


def test_a_message_sent_by_the_app_appears_once_linked_to_its_record(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    response = services.core.send(
        {
            "from_account_id": str(gmail_account.id),
            "to": ["maria@contoso.example"],
            "subject": "Statement for November",
            "body_text": "Attached.",
            "attachments": [
                {
                    "filename": "statement.pdf",
                    "content_type": "application/pdf",
                    "data_base64": base64.b64encode(PDF).decode(),
                }
            ],
        }
    )

    sync_ok(services)
    sync_ok(services)

    assert counts(services) == (1, 1)
    [message] = messages_of(services, response.provider_thread_id or "")
    assert message.gmail_message_id == response.provider_message_id
    assert message.outbound_email_id == response.outbound_email_uid
    assert message.direction == Direction.OUTBOUND
    [attachment] = message.attachments
    assert attachment["gmail_attachment_id"]  # sync adds Gmail's id, so it can be saved


def test_a_reply_to_a_synced_message_goes_into_its_thread(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    [thread] = seed_threads(fake_gmail.mailbox, 1, per_thread=2)
    sync_ok(services)
    parent = messages_of(services, thread)[-1]

    response = services.core.send(
        {
            "to": ["maria@contoso.example"],
            "subject": "Re: Order 0",
            "body_text": "Thanks!",
            "reply_to_message_uid": str(parent.id),
        }
    )

    sent = fake_gmail.sent[-1]
    assert sent["requested_thread_id"] == thread
    assert response.provider_thread_id == thread
    assert sent["message"]["In-Reply-To"] == "<t0m1@contoso.example>"
    assert sent["message"]["References"] == "<t0m0@contoso.example> <t0m1@contoso.example>"
    sync_ok(services)
    messages = messages_of(services, thread)
    assert len(messages) == 3
    with services.store.session() as session:
        record = session.get(OutboundEmail, response.outbound_email_uid)
        linked = session.exec(
            select(EmailMessage).where(
                EmailMessage.outbound_email_id == response.outbound_email_uid
            )
        ).all()
    assert record is not None and len(linked) == 1


def test_unknown_and_offline_accounts_are_refused(
    services: Services, gmail_account: Account
) -> None:
    services.accounts.add_outbox("demo@northwind.example")

    with pytest.raises(NotFound):
        run_sync(services, account_email="nobody@northwind.example")
    with pytest.raises(ValidationFailed):
        run_sync(services, account_email="demo@northwind.example")
    assert [r.account_email for r in run_sync(services).accounts] == [gmail_account.email]


def test_unbatched_mode_sends_one_request_per_thread(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 5)

    sync_ok(services, batch_size=1)

    assert routes(fake_gmail, "batch") == 0
    assert routes(fake_gmail, "threads.get") == 5
    assert counts(services) == (5, 5)
