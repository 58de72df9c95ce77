"""Helpers for sync tests: fill the fake mailbox, run a sync, count rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from exante_tui.services import Services
from exante_tui.store.models import Conversation, EmailMessage
from exante_tui.sync import AccountSync, SyncReport, run_sync
from fakes.gmail_mailbox import Mailbox, build_mail

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def seed_threads(mailbox: Mailbox, threads: int, per_thread: int = 1) -> list[str]:
    """``threads`` threads of ``per_thread`` chained messages; thread ids, oldest first."""
    ids = []
    for t in range(threads):
        thread_id, chain = None, []
        for n in range(per_thread):
            message_id = f"<t{t}m{n}@contoso.example>"
            mail = build_mail(
                subject=f"Order {t}" if n == 0 else f"Re: Order {t}",
                text=f"Message {n} of thread {t}.",
                message_id=message_id,
                in_reply_to=chain[-1] if chain else None,
                references=" ".join(chain) or None,
                date=T0 + timedelta(minutes=t * per_thread + n),
            )
            gmail_id = mailbox.deliver(mail, thread_id=thread_id)
            thread_id = thread_id or gmail_id
            chain.append(message_id)
        assert thread_id is not None
        ids.append(thread_id)
    return ids


def sync_ok(services: Services, **options: object) -> AccountSync:
    """Sync the one Gmail account and insist it worked."""
    report: SyncReport = run_sync(services, **options)  # type: ignore[arg-type]
    [result] = report.accounts
    assert result.error is None, result.error
    return result


def counts(services: Services) -> tuple[int, int]:
    """(conversations, messages) in the store."""
    with services.store.session() as session:
        conversations = session.exec(select(func.count()).select_from(Conversation)).one()
        messages = session.exec(select(func.count()).select_from(EmailMessage)).one()
    return conversations, messages


def messages_of(services: Services, gmail_thread_id: str) -> list[EmailMessage]:
    """The stored messages of a Gmail thread, oldest first."""
    with services.store.session() as session:
        return list(
            session.exec(
                select(EmailMessage)
                .join(Conversation)
                .where(Conversation.gmail_thread_id == gmail_thread_id)
                .order_by(EmailMessage.date)
            )
        )


def conversation_of(services: Services, gmail_thread_id: str) -> Conversation:
    with services.store.session() as session:
        return session.exec(
            select(Conversation).where(Conversation.gmail_thread_id == gmail_thread_id)
        ).one()
