"""Incremental sync forgets what Gmail no longer shows: deleted, trashed or spam mail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exante_tui.services import Services
from exante_tui.store.models import Account
from exante_tui.sync.changes import HistoryChanges
from fakes.gmail_mailbox import build_mail
from fakes.gmail_server import FakeGmail
from sync.helpers import T0, conversation_of, counts, messages_of, seed_threads, sync_ok


def gmail_ids(fake: FakeGmail, thread_id: str) -> list[str]:
    """The Gmail ids of a fake thread's messages, oldest first."""
    return list(fake.mailbox.threads[thread_id])


@pytest.mark.parametrize("how", ["trash", "spam", "delete"])
def test_a_thread_gmail_no_longer_shows_leaves_the_store(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail, how: str
) -> None:
    gone, kept = seed_threads(fake_gmail.mailbox, 2, per_thread=2)
    sync_ok(services)
    assert counts(services) == (2, 4)
    for message_id in gmail_ids(fake_gmail, gone):
        if how == "delete":
            fake_gmail.mailbox.delete(message_id)
        else:
            fake_gmail.mailbox.relabel(message_id, add=["TRASH" if how == "trash" else "SPAM"])

    result = sync_ok(services)

    assert (result.mode, result.messages_removed, result.fetched) == ("incremental", 2, 0)
    assert counts(services) == (1, 2)
    assert [m.subject for m in messages_of(services, kept)] == ["Order 1", "Re: Order 1"]
    assert sync_ok(services).messages_removed == 0  # nothing left to forget


def test_losing_its_newest_message_shows_the_one_before(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    [thread] = seed_threads(fake_gmail.mailbox, 1, per_thread=3)
    sync_ok(services)
    first, second, newest = gmail_ids(fake_gmail, thread)
    fake_gmail.mailbox.relabel(newest, add=["TRASH"])

    sync_ok(services)

    assert [m.gmail_message_id for m in messages_of(services, thread)] == [first, second]
    conversation = conversation_of(services, thread)
    assert conversation.last_message_at == T0 + timedelta(minutes=1)
    assert conversation.snippet == "Message 1 of thread 0."


def test_mail_taken_out_of_trash_comes_back(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    [thread] = seed_threads(fake_gmail.mailbox, 1, per_thread=2)
    sync_ok(services)
    _, newest = gmail_ids(fake_gmail, thread)
    fake_gmail.mailbox.relabel(newest, add=["TRASH"])
    sync_ok(services)
    assert len(messages_of(services, thread)) == 1

    fake_gmail.mailbox.relabel(newest, remove=["TRASH"])
    result = sync_ok(services)

    assert (result.messages_added, result.messages_removed) == (1, 0)
    assert [m.gmail_message_id for m in messages_of(services, thread)][-1] == newest


def test_mail_added_and_trashed_between_syncs_is_never_fetched(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 1)
    sync_ok(services)
    late = fake_gmail.mailbox.deliver(build_mail(subject="Short-lived"))
    fake_gmail.mailbox.relabel(late, add=["TRASH"])

    result = sync_ok(services)

    assert (result.fetched, result.messages_added, result.messages_removed) == (0, 0, 0)
    assert counts(services) == (1, 1)


def test_a_message_an_unsent_draft_replies_to_stays(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    [thread] = seed_threads(fake_gmail.mailbox, 1, per_thread=2)
    sync_ok(services)
    parent = messages_of(services, thread)[-1]
    services.drafts.create_from_request(
        {
            "to": ["maria@contoso.example"],
            "subject": "Re: Order 0",
            "body_text": "Half written.",
            "reply_to_message_uid": str(parent.id),
        }
    )
    for message_id in gmail_ids(fake_gmail, thread):
        fake_gmail.mailbox.relabel(message_id, add=["TRASH"])

    result = sync_ok(services)

    assert result.messages_removed == 1
    assert [m.id for m in messages_of(services, thread)] == [parent.id]


def test_history_records_are_read_in_order() -> None:
    changes = HistoryChanges()
    message = {"id": "a", "threadId": "a", "labelIds": ["INBOX"]}
    changes.take({"messagesAdded": [{"message": message}]})
    changes.take({"labelsAdded": [{"message": message, "labelIds": ["TRASH"]}]})
    assert (list(changes.added), list(changes.gone)) == ([], ["a"])
    changes.take({"labelsRemoved": [{"message": message, "labelIds": ["TRASH"]}]})
    assert (list(changes.added), list(changes.gone)) == (["a"], [])
    spam = {**message, "labelIds": ["SPAM"]}
    changes.take({"labelsRemoved": [{"message": spam, "labelIds": ["TRASH"]}]})  # still spam
    changes.take({"labelsAdded": [{"message": message, "labelIds": ["STARRED"]}]})
    assert (list(changes.added), list(changes.gone)) == (["a"], [])
    changes.take({"messagesDeleted": [{"message": {"id": "a", "threadId": "a"}}]})
    assert (list(changes.added), list(changes.gone)) == ([], ["a"])
