"""Mail merge: one template, one draft per row, keyed so that running it again is harmless.

:func:`~exante_tui.core.merge_rows.read_rows` reads the rows. :meth:`Merge.plan` renders
every row through :class:`~exante_tui.core.prepare.Preparer` and collects each row's
errors; nothing is stored. :meth:`Merge.create` stores one draft per row, keyed by
(template, key value) in the database, so a second run finds them there. :meth:`Merge.queue`
schedules the merge's unsent drafts; the ordinary scheduler sends them, paced per account.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from exante_tui.core.drafts import DraftContent, reply_account
from exante_tui.core.prepare import Preparer
from exante_tui.core.replies import reply_subject
from exante_tui.core.template_store import Templates
from exante_tui.core.validation import mode_details
from exante_tui.errors import ErrorDetail, ValidationFailed
from exante_tui.store.db import Store
from exante_tui.store.models import Conversation, Draft, DraftAttachment, EmailMessage, Template
from exante_tui.store.types import utcnow

_CHUNK = 500
"""Keys per ``IN (...)`` list."""


@dataclass(frozen=True)
class MergeOptions:
    """What ``exante-tui merge`` was asked (the flags, by name)."""

    template: str
    key_column: str
    to_column: str = "email"
    context_type: str | None = None
    context_id_column: str | None = None
    reply_to_last: bool = False
    limit: int | None = None


@dataclass
class MergeRow:
    """One rendered row: its number, key, the draft it makes, or why it cannot."""

    number: int
    key: str = ""
    draft: dict[str, Any] = field(default_factory=dict)
    errors: list[ErrorDetail] = field(default_factory=list)


@dataclass
class MergePlan:
    """Every row of a merge, rendered (a dry run's result)."""

    template: Template
    rows: list[MergeRow]

    @property
    def failed(self) -> list[MergeRow]:
        """The rows with errors."""
        return [row for row in self.rows if row.errors]

    @property
    def keys(self) -> list[str]:
        """The key of every row."""
        return [row.key for row in self.rows]


@dataclass(frozen=True)
class Created:
    """What ``create`` did: drafts made now, and keys whose draft was already there."""

    created: int
    existing: int


@dataclass(frozen=True)
class Progress:
    """How far a merge's sending is: drafts sent, and drafts still scheduled."""

    total: int
    sent: int
    scheduled: int


def _column(row: dict[str, Any], name: str) -> Any:
    """The value of column ``name`` (dotted names reach into nested values)."""
    value: Any = row
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


class Merge:
    """Plans, stores and schedules mail merges."""

    def __init__(self, store: Store, templates: Templates, preparer: Preparer) -> None:
        self.store = store
        self.templates = templates
        self.preparer = preparer

    def plan(self, options: MergeOptions, rows: Sequence[tuple[int, dict[str, Any]]]) -> MergePlan:
        """Render every row; each row's errors name its column or template value."""
        template = self.templates.get(options.template)
        context_ids = self._context_ids(options, rows)
        last = self._last_messages(options, set(context_ids.values()))
        seen: dict[str, int] = {}
        planned = []
        for number, row in rows:
            item = MergeRow(number)
            planned.append(item)
            if "" in row:
                item.errors.append(ErrorDetail("row", row[""]))
                continue
            item.key, item.errors = self._key(options, row, seen, number)
            request, errors = self._request(options, row, template, context_ids.get(number))
            item.errors += errors
            reply = last.get(context_ids.get(number)) if options.reply_to_last else None
            if reply is not None:
                request["reply_to_message_uid"] = str(reply[0])
            if item.errors:
                continue
            try:
                item.draft = self.preparer.prepare(request, draft=True)
            except ValidationFailed as exc:
                item.errors += [self._column_detail(options, d) for d in exc.details]
                continue
            if reply is not None:
                item.draft["subject"] = reply_subject(reply[1])
            item.errors += [self._column_detail(options, d) for d in mode_details(item.draft)]
        return MergePlan(template, planned)

    def _key(
        self, options: MergeOptions, row: dict[str, Any], seen: dict[str, int], number: int
    ) -> tuple[str, list[ErrorDetail]]:
        value = _column(row, options.key_column)
        key = "" if value is None else str(value).strip()
        if not key:
            return key, [ErrorDetail(options.key_column, "is empty: every row needs a key")]
        if key in seen:
            return key, [ErrorDetail(options.key_column, f"{key!r} is also row {seen[key]}")]
        seen[key] = number
        return key, []

    def _request(
        self,
        options: MergeOptions,
        row: dict[str, Any],
        template: Template,
        context_id: uuid.UUID | None,
    ) -> tuple[dict[str, Any], list[ErrorDetail]]:
        """The prepare request for ``row``, and problems with its own columns."""
        errors = []
        to = _column(row, options.to_column)
        if isinstance(to, str):
            to = [a.strip() for a in to.replace(";", ",").split(",") if a.strip()]
        if not to:
            errors.append(ErrorDetail(options.to_column, "is empty: every row needs a recipient"))
        elif not isinstance(to, list) or not all(isinstance(a, str) for a in to):
            errors.append(ErrorDetail(options.to_column, "must be addresses"))
        if options.context_id_column and context_id is None:
            raw = _column(row, options.context_id_column)
            errors.append(ErrorDetail(options.context_id_column, f"{raw!r} is not a uuid"))
        request: dict[str, Any] = {"template": str(template.id), "context": row, "to": to}
        if options.context_type:
            request["context_type"] = options.context_type
        if context_id is not None:
            request["context_id"] = str(context_id)
        return request, errors

    @staticmethod
    def _column_detail(options: MergeOptions, detail: ErrorDetail) -> ErrorDetail:
        """A prepare error named by the row's column where there is one."""
        name = detail.field
        if name.startswith("to"):
            return ErrorDetail(options.to_column, detail.message)
        if name == "context_id" and options.context_id_column:
            return ErrorDetail(options.context_id_column, detail.message)
        if name == "from_account_id":
            return ErrorDetail("template.from_account_id", "names no sending account")
        if name == "subject":
            return ErrorDetail("template.subject", "renders empty")
        return detail

    @staticmethod
    def _context_ids(
        options: MergeOptions, rows: Sequence[tuple[int, dict[str, Any]]]
    ) -> dict[int, uuid.UUID]:
        if not options.context_id_column:
            return {}
        found = {}
        for number, row in rows:
            try:
                found[number] = uuid.UUID(str(_column(row, options.context_id_column)).strip())
            except ValueError:
                continue
        return found

    def _last_messages(
        self, options: MergeOptions, context_ids: set[uuid.UUID]
    ) -> dict[uuid.UUID | None, tuple[uuid.UUID, str]]:
        """The newest message (uid, subject) of each context, for ``--reply-to-last``."""
        if not options.reply_to_last or not options.context_type or not context_ids:
            return {}
        last: dict[uuid.UUID | None, tuple[uuid.UUID, str]] = {}
        ids = sorted(context_ids)
        with self.store.session() as session:
            for start in range(0, len(ids), _CHUNK):
                query = (
                    select(Conversation.context_id, EmailMessage.id, EmailMessage.subject)
                    .join(Conversation, col(EmailMessage.conversation_id) == Conversation.id)
                    .where(
                        Conversation.context_type == options.context_type,
                        col(Conversation.context_id).in_(ids[start : start + _CHUNK]),
                        col(EmailMessage.rfc_message_id).is_not(None),
                    )
                    .order_by(col(EmailMessage.date), col(EmailMessage.id))
                )
                for context_id, message_id, subject in session.exec(query):
                    last[context_id] = (message_id, subject)
        return last

    def create(self, plan: MergePlan) -> Created:
        """One draft per row not stored yet; the database's (template, key) uniqueness makes
        a concurrent or repeated run add nothing twice."""
        if plan.failed:
            raise ValidationFailed("Some rows cannot be merged; nothing was created.")
        try:
            return self._insert(plan)
        except IntegrityError:
            return self._insert(plan)  # another run stored some meanwhile: skip those too

    def _insert(self, plan: MergePlan) -> Created:
        template = plan.template
        attachments = [
            (a["filename"], a["content_type"], base64.b64decode(a["data_base64"]))
            for a in template.attachments
        ]
        with self.store.session() as session:
            existing = self._existing(session, template.id, plan.keys)
            created = 0
            for row in plan.rows:
                if row.key in existing:
                    continue
                draft = _new_draft(row, template.id)
                if draft.reply_to_message_uid is not None:
                    draft.account_id = reply_account(session, draft.reply_to_message_uid)
                session.add(draft)
                for position, (filename, content_type, data) in enumerate(attachments):
                    session.add(
                        DraftAttachment(
                            draft_id=draft.id,
                            position=position,
                            filename=filename,
                            content_type=content_type,
                            size=len(data),
                            data=data,
                        )
                    )
                created += 1
            session.flush()
        return Created(created, len(plan.rows) - created)

    @staticmethod
    def _existing(session: Session, template_id: uuid.UUID, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), _CHUNK):
            query = select(Draft.merge_key).where(
                Draft.merge_template_id == template_id,
                col(Draft.merge_key).in_(keys[start : start + _CHUNK]),
            )
            found.update(k for k in session.exec(query) if k is not None)
        return found

    def queue(self, template_id: uuid.UUID, keys: list[str], when: datetime) -> int:
        """Schedule the merge's unsent drafts for ``when``; how many were scheduled."""
        queued = 0
        with self.store.session() as session:
            for start in range(0, len(keys), _CHUNK):
                result = session.exec(
                    update(Draft)
                    .where(
                        col(Draft.merge_template_id) == template_id,
                        col(Draft.merge_key).in_(keys[start : start + _CHUNK]),
                        col(Draft.outbound_email_uid).is_(None),
                        col(Draft.claimed_by).is_(None),
                    )
                    .values(planned_send_at=when, updated_at=utcnow())
                )
                queued += result.rowcount
        return queued

    def progress(self, template_id: uuid.UUID, keys: list[str]) -> Progress:
        """How many of the merge's drafts are sent, and how many still wait scheduled."""
        sent = scheduled = total = 0
        waiting = col(Draft.outbound_email_uid).is_(None) & col(Draft.planned_send_at).is_not(None)
        with self.store.session() as session:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                query = select(
                    func.count(),
                    func.count(col(Draft.outbound_email_uid)),
                    func.count().filter(waiting),
                ).where(Draft.merge_template_id == template_id, col(Draft.merge_key).in_(chunk))
                count, with_record, queued = session.exec(query).one()
                total += count
                sent += with_record
                scheduled += queued
        return Progress(total=total, sent=sent, scheduled=scheduled)


def _new_draft(row: MergeRow, template_id: uuid.UUID) -> Draft:
    """The row's draft: its ``drafts create`` body's content, keyed by (template, row key)."""
    content = DraftContent.from_body(row.draft)
    draft = Draft(merge_template_id=template_id, merge_key=row.key)
    draft.sqlmodel_update(content.model_dump())
    return draft
