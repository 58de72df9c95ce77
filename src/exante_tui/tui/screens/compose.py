"""Write a message: new, an existing draft, or a reply. Autosaves; sends in a worker.

Sending uses the core's draft mode: the screen saves its draft, then sends
``{"draft_uid": ...}``. The draft is the compose session's idempotency key: the core sends
a draft at most once, so a double press of send never sends twice, and after a failure the
same draft is sent again, which reuses the failed record (and its Message-ID) instead of
making a second message. With an undo-send delay the draft is checked, then queued to go
``app.send_delay`` seconds later (the app and any scheduler send it; ``u`` undoes it).

While open, the draft is held (:mod:`exante_tui.core.leases`): no scheduler sends it under
the composer. Should it be sent or claimed all the same (a CLI send, a lapsed hold), the
composer notices on its next save or hold renewal, turns read-only and offers to keep the
unsaved edits as a new draft.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import shlex
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import (
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    Switch,
    TextArea,
)
from textual.worker import Worker, WorkerState

from exante_tui.core.contract import SendResponse
from exante_tui.core.draft_state import DraftState
from exante_tui.core.drafts import DraftContent
from exante_tui.core.html_text import html_to_text
from exante_tui.core.leases import RENEW_EVERY, DraftLeases
from exante_tui.core.mime import Attachment
from exante_tui.core.scheduler import new_worker_id
from exante_tui.core.signatures import signed_body, text_signature
from exante_tui.core.undo_send import queue_send
from exante_tui.errors import Conflict, SendError
from exante_tui.store import queries
from exante_tui.store.db import Store
from exante_tui.tui.format import local_time, relative
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.screens.file_picker import FilePickerScreen
from exante_tui.tui.screens.schedule import ScheduleChoice, ScheduleScreen
from exante_tui.tui.screens.template_picker import TemplateChoice, TemplatePickerScreen
from exante_tui.tui.waiting import WaitingSend
from exante_tui.tui.widgets.address_field import AddressField
from exante_tui.tui.widgets.attachments import AttachmentPanel

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp

AUTOSAVE_DELAY = 1.0
"""Seconds after the last change before the draft is written (well within 2 s)."""

_MARKDOWN = MarkdownIt("commonmark")

_EDITING_ACTIONS = frozenset({"send", "save", "attach", "schedule", "toggle_markdown", "editor"})

_READ_ONLY_WHY = {
    DraftState.SENT: "This draft was sent while open (see the Outbox): it is read-only now.",
    DraftState.SENDING: "A scheduler is sending this draft: it is read-only now.",
    DraftState.OPEN_ELSEWHERE: "This draft is open in another window: read-only here.",
    DraftState.GONE: "This draft was deleted elsewhere: read-only now.",
}


class ComposeScreen(Screen[None]):
    """The compose form; ``draft_uid`` is None until the first change is saved."""

    app: ExanteApp
    CSS_PATH = "compose.tcss"
    BINDINGS = [
        # Not priority: send waits behind the keys typed before it in the focused field.
        Binding("ctrl+t", "send", "Send", tooltip="Save and send (u undoes it for a while)"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the draft", priority=True),
        Binding("ctrl+o", "attach", "Attach", tooltip="Attach a file", priority=True),
        Binding(
            "ctrl+l", "schedule", "Schedule", tooltip="Plan (or unplan) the send", priority=True
        ),
        Binding(
            "ctrl+r",
            "toggle_markdown",
            "Markdown",
            tooltip="Send Markdown as HTML too",
            priority=True,
        ),
        Binding("ctrl+e", "editor", "$EDITOR", tooltip="Edit the body in $EDITOR", priority=True),
        Binding(
            "ctrl+y",
            "template",
            "Template",
            tooltip="Fill the message from a template",
            priority=True,
        ),
        Binding("escape", "back", "Back", tooltip="Save the draft and go back"),
        Binding(
            "ctrl+n",
            "keep_as_new",
            "Keep as new draft",
            tooltip="Keep what is on screen as a new draft (when this one is read-only)",
            priority=True,
        ),
        # Priority: focus moves the moment tab is read, so keys typed right after it land in
        # the next field rather than queueing behind it in the one being left.
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]

    @dataclass
    class Saved(Message):
        """The draft was written to the store."""

        draft_uid: uuid.UUID

    @dataclass
    class Sent(Message):
        """The draft went out."""

        draft_uid: uuid.UUID
        response: SendResponse

    @dataclass
    class Queued(Message):
        """The draft waits in its undo-send window."""

        draft_uid: uuid.UUID
        send: WaitingSend

    @dataclass
    class ReadOnly(Message):
        """The draft turned read-only (sent, being sent, open elsewhere or deleted)."""

        draft_uid: uuid.UUID
        state: DraftState

    @dataclass
    class SendFailed(Message):
        """The send failed; the draft is intact and the screen stays open."""

        draft_uid: uuid.UUID
        error: BaseException

    def __init__(
        self,
        content: DraftContent,
        attachments: list[Attachment] | None = None,
        draft_uid: uuid.UUID | None = None,
    ) -> None:
        super().__init__()
        self.initial = content
        self.initial_attachments = attachments or []
        self.draft_uid = draft_uid
        self.planned_send_at = content.planned_send_at
        self.sending = False
        self._files_version = 0
        self._saved_state: tuple[DraftContent, int] | None = None
        self._autosave: Timer | None = None
        self.signature: str | None = None
        """The signature block put in a new message's body, if any."""
        # Focus lands on the first field as the screen shows, before keys typed after ``n``.
        # Textual reads AUTO_FOCUS from the instance when it composes; it declares a ClassVar.
        self.AUTO_FOCUS = "#body" if content.to else "#to-input"  # type: ignore[misc]
        self.holder = new_worker_id()
        """This composer's name on the draft's hold."""
        self.read_only: DraftState | None = None
        """Why the draft can no longer change here (None while it can)."""

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        store = self.app.services.store
        accounts = queries.list_accounts(store)
        options = [
            (f"{a.display_name} <{a.email}>" if a.display_name else a.email, a.id) for a in accounts
        ]
        chosen = self.initial.account_id or _default_account(store, [a.id for a in accounts])
        content = self.initial
        if self.draft_uid is None:
            sender = next((a for a in accounts if a.id == chosen), None)
            signature = sender.signature_text if sender else None
            content = replace(content, body_text=signed_body(content.body_text, signature))
            self.signature = text_signature(signature) if signature else None

        def lookup(prefix: str) -> list[str]:
            return queries.known_addresses(store, prefix)

        yield Header()
        with Vertical(id="form"):
            with Horizontal(classes="row"):
                yield Label("From", classes="label")
                yield Select(
                    options,
                    value=chosen if chosen is not None else Select.NULL,
                    allow_blank=not options,
                    disabled=content.reply_to_message_uid is not None,
                    id="from",
                )
            yield AddressField("To", content.to, lookup, id="to")
            yield AddressField("Cc", content.cc, lookup, id="cc")
            yield AddressField("Bcc", content.bcc, lookup, id="bcc")
            with Horizontal(classes="row"):
                yield Label("Subject", classes="label")
                yield Input(
                    content.subject, placeholder="Subject", select_on_focus=False, id="subject"
                )
            with Horizontal(classes="row", id="options"):
                yield Label("Markdown", classes="label")
                yield Switch(content.body_html is not None, id="markdown")
                yield Label("", classes="hint", id="markdown-hint")
                yield Label("", id="schedule-status")
            yield Static("", id="final")
            yield TextArea(content.body_text, soft_wrap=True, id="body")
            yield AttachmentPanel(self.initial_attachments, id="attachments")
            yield Static("", id="error")
            yield ProgressBar(total=100, show_eta=False, id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Reply" if self.initial.reply_to_message_uid else "Compose"
        self.sub_title = "editing draft" if self.draft_uid else "new message"
        self._saved_state = (self.current_content(), self._files_version)
        self._show_schedule()
        self._show_markdown()
        if self.AUTO_FOCUS == "#body":
            self.query_one("#body", TextArea).move_cursor((0, 0))
        self.leases = DraftLeases(
            self.app.services.store, self.holder, self.app.services.core.clock
        )
        if self.draft_uid is not None:
            self._held(self.leases.take(self.draft_uid))
        self.set_interval(RENEW_EVERY.total_seconds(), self._renew_hold)

    def on_unmount(self) -> None:
        if self.draft_uid is not None:
            self.leases.release(self.draft_uid)

    # -- the hold on the draft ------------------------------------------------------------------

    def _renew_hold(self) -> None:
        if self.draft_uid is not None and self.read_only is None and not self.sending:
            self._renew(self.draft_uid)

    @work(thread=True, exclusive=True, exit_on_error=False, group="hold")
    def _renew(self, draft_uid: uuid.UUID) -> None:
        """Renew the hold in a thread; a lost hold turns the screen read-only."""
        state = self.leases.take(draft_uid)
        self.app.call_from_thread(self._held, state, draft_uid)

    def _held(self, state: DraftState, draft_uid: uuid.UUID | None = None) -> None:
        if draft_uid is not None and draft_uid != self.draft_uid:
            return  # the screen moved on to another draft meanwhile
        if state == DraftState.EDITABLE:
            self._show_schedule()
        else:
            self.turn_read_only(state)

    def turn_read_only(self, state: DraftState) -> None:
        """Stop editing: say why, and offer to keep unsaved edits as a new draft."""
        if self.read_only is not None or self.draft_uid is None:
            return
        self.read_only = state
        if self._autosave is not None:
            self._autosave.stop()
            self._autosave = None
        unsaved = self._unsaved()
        self._set_editable(False)
        why = _READ_ONLY_WHY[state]
        if unsaved:
            why += " Your unsaved edits are still on screen: ctrl+n keeps them as a new draft."
        final = self.query_one("#final", Static)
        final.update(Text(why, style="bold"))
        final.add_class("shown")
        self.sub_title = f"read-only: {state.value}"
        self.post_message(self.ReadOnly(self.draft_uid, state))
        self.refresh_bindings()
        if unsaved:
            question = "Keep your unsaved edits as a new draft?"  # the line behind says why
            self.app.push_screen(ConfirmScreen(question), self._keep_answer)

    def _keep_answer(self, keep: bool | None) -> None:
        if keep:
            self.action_keep_as_new()

    def _unsaved(self) -> bool:
        return (self.current_content(), self._files_version) != self._saved_state

    def _set_editable(self, editable: bool) -> None:
        for widget in self.query("#form Input, #form Select, #form Switch"):
            widget.disabled = not editable
        self.query_one("#from", Select).disabled = (
            not editable or self.initial.reply_to_message_uid is not None
        )
        self.query_one("#body", TextArea).read_only = not editable
        self.query_one(AttachmentPanel).disabled = not editable

    def action_keep_as_new(self) -> None:
        """Save what is on screen as a new draft and go on editing that one."""
        if self.read_only is None:
            return
        content = replace(self.current_content(), planned_send_at=None)
        try:
            new_uid = self.app.services.drafts.create(
                content, self.query_one(AttachmentPanel).attachments
            )
        except SendError as exc:
            self._show_error(exc)
            return
        self.draft_uid, self.read_only, self.planned_send_at = new_uid, None, None
        self._saved_state = (self.current_content(), self._files_version)
        self.leases.take(new_uid)
        self._set_editable(True)
        self.query_one("#final", Static).remove_class("shown")
        self._show_schedule()
        self.sub_title = "new draft with your edits"
        self.notify("Your edits are kept in a new draft.", title="Kept")
        self.post_message(self.Saved(new_uid))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "keep_as_new":
            return self.read_only is not None
        if action in _EDITING_ACTIONS:
            return self.read_only is None
        return True

    # -- content and saving -----------------------------------------------------------------------

    def current_content(self) -> DraftContent:
        """What the form holds now, as draft content (HTML rendered when the toggle is on)."""
        account = self.query_one("#from", Select).value
        body = self.query_one("#body", TextArea).text
        markdown = self.query_one("#markdown", Switch).value
        return DraftContent(
            account_id=account if isinstance(account, uuid.UUID) else None,
            to=self.query_one("#to", AddressField).addresses,
            cc=self.query_one("#cc", AddressField).addresses,
            bcc=self.query_one("#bcc", AddressField).addresses,
            subject=self.query_one("#subject", Input).value,
            body_text=body,
            body_html=_MARKDOWN.render(body) if markdown else None,
            reply_to_message_uid=self.initial.reply_to_message_uid,
            context_type=self.initial.context_type,
            context_id=self.initial.context_id,
            planned_send_at=self.planned_send_at,
        )

    def save_now(self, *, force: bool = False) -> uuid.UUID | None:
        """Write the draft if it changed (``force``: create it even if unchanged)."""
        if self._autosave is not None:
            self._autosave.stop()
            self._autosave = None
        if self.read_only is not None:
            return None
        content = self.current_content()
        state = (content, self._files_version)
        if state == self._saved_state and (self.draft_uid is not None or not force):
            return self.draft_uid
        files_changed = self._saved_state is None or self._saved_state[1] != self._files_version
        files = self.query_one(AttachmentPanel).attachments
        drafts = self.app.services.drafts
        try:
            if self.draft_uid is None:
                self.draft_uid = drafts.create(content, files)
                self.leases.take(self.draft_uid)
            else:
                drafts.update(self.draft_uid, content, files if files_changed else None)
        except Conflict:
            assert self.draft_uid is not None
            self.turn_read_only(self.leases.take(self.draft_uid))
            return None
        except SendError as exc:
            self._show_error(exc)
            return None
        self._saved_state = state
        self.sub_title = "draft saved"
        self.post_message(self.Saved(self.draft_uid))
        if self.query_one("#error", Static).has_class("shown"):
            self._recheck(self.draft_uid)
        return self.draft_uid

    @work(thread=True, exclusive=True, exit_on_error=False, group="recheck")
    def _recheck(self, draft_uid: uuid.UUID) -> None:
        """After a failed send, check the saved draft again: fixed problems leave the list."""
        try:
            self.app.services.core.check_draft(draft_uid)
        except SendError as exc:
            self.app.call_from_thread(self._show_error, exc)
        else:
            self.app.call_from_thread(self.query_one("#error", Static).remove_class, "shown")

    def _changed(self) -> None:
        if self.read_only is not None:
            return
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_DELAY, self.save_now)

    def on_input_changed(self) -> None:
        self._changed()

    def on_text_area_changed(self) -> None:
        self._changed()

    def on_select_changed(self) -> None:
        self._changed()

    def on_switch_changed(self) -> None:
        self._show_markdown()
        self._changed()

    def _show_markdown(self) -> None:
        """Say the switch's state in words too (some terminals blur its colours)."""
        on = self.query_one("#markdown", Switch).value
        hint = "on: write Markdown, send text + HTML" if on else "off: plain text"
        self.query_one("#markdown-hint", Label).update(hint)

    def on_attachment_panel_changed(self) -> None:
        self._files_version += 1
        self._changed()

    # -- actions ----------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.save_now(force=True):
            self.notify("Draft saved")

    def action_back(self) -> None:
        if self.read_only is not None:
            self.dismiss()
            return
        if self.save_now() is not None:
            self.notify("Draft saved", title=self.query_one("#subject", Input).value or "Draft")
        self.dismiss()

    def action_toggle_markdown(self) -> None:
        switch = self.query_one("#markdown", Switch)
        switch.value = not switch.value

    def action_attach(self) -> None:
        self.app.push_screen(FilePickerScreen(Path.cwd()), self._attach_file)

    def _attach_file(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.notify(f"Cannot read {path}: {exc}", severity="error")
            return
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.query_one(AttachmentPanel).add(Attachment(path.name, content_type, data))

    def action_schedule(self) -> None:
        self.app.push_screen(ScheduleScreen(self.planned_send_at, self.app.now), self._scheduled)

    def _scheduled(self, choice: ScheduleChoice | None) -> None:
        if choice is None:
            return
        self.planned_send_at = choice.when
        self._show_schedule()
        if self.save_now(force=True) is not None:
            when = local_time(choice.when) if choice.when else None
            self.notify(f"Scheduled for {when}" if when else "Schedule cancelled")

    def _show_schedule(self) -> None:
        when, now = self.planned_send_at, self.app.now()
        label = self.query_one("#schedule-status", Label)
        if when is not None and when <= now:
            label.update(f"Scheduled: {local_time(when)} (due: goes when you leave this draft)")
        else:
            label.update(f"Scheduled: {planned_label(when, now)}" if when else "")

    def action_editor(self) -> None:
        """Edit the body in ``$VISUAL``/``$EDITOR`` (vi if unset) with the app suspended."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        body = self.query_one("#body", TextArea)
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as tmp:
            tmp.write(editor_text(body.text))
        path = Path(tmp.name)
        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), str(path)], check=False)
            body.load_text(body_text(path.read_text(encoding="utf-8")))
            self._changed()
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to an editor.", severity="warning")
        finally:
            path.unlink(missing_ok=True)

    def action_template(self) -> None:
        self.app.push_screen(TemplatePickerScreen(), self._use_template)

    def _use_template(self, choice: TemplateChoice | None) -> None:
        """Put the rendered template above what the body holds (signature, quote)."""
        if choice is None:
            return
        template, rendered = choice.template, choice.rendered
        text = rendered.body_text
        if text is None:
            text = html_to_text(rendered.body_html or "")
        body = self.query_one("#body", TextArea)
        rest = body.text
        if self.signature and not template.signature:
            rest = rest.replace(self.signature, "", 1)
        rest = rest.strip("\n")
        body.load_text(text.rstrip("\n") + (f"\n\n{rest}\n" if rest else "\n"))
        if self.initial.reply_to_message_uid is None:
            self.query_one("#subject", Input).value = rendered.subject
            if template.from_account_id is not None:
                self.query_one("#from", Select).value = template.from_account_id
        self.query_one("#markdown", Switch).value = template.body_markdown is not None
        panel = self.query_one(AttachmentPanel)
        for attachment in template.attachments:
            data = base64.b64decode(attachment["data_base64"])
            panel.add(Attachment(attachment["filename"], attachment["content_type"], data))
        self._changed()
        self.notify(f"Filled from template {template.name!r}")

    # -- sending ----------------------------------------------------------------------------------

    def action_send(self) -> None:
        if self.sending:
            self.notify("Already sending…")
            return
        if self.query_one("#subject", Input).value.strip():
            self._start_send()
            return
        self.app.push_screen(
            ConfirmScreen("The subject is empty. Send without a subject?"),
            self._send_if_confirmed,
        )

    def _send_if_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._start_send()
        else:
            self.query_one("#subject").focus()

    def _start_send(self) -> None:
        draft_uid = self.save_now(force=True)
        if draft_uid is None:
            return
        self.sending = True
        self.app.sending += 1
        self.query_one("#error", Static).remove_class("shown")
        if self.app.send_delay > 0:
            self._queue(draft_uid, timedelta(seconds=self.app.send_delay))
            return
        progress = self.query_one("#progress", ProgressBar)
        progress.update(progress=0)
        progress.add_class("shown")
        self._send(draft_uid)

    @work(thread=True, exclusive=True, exit_on_error=False, group="send")
    def _queue(self, draft_uid: uuid.UUID, delay: timedelta) -> WaitingSend:
        """Check the draft as a send would, then queue it for ``delay`` from now."""
        services = self.app.services
        services.core.check_draft(draft_uid)
        due = queue_send(
            services.store, draft_uid, now=services.core.clock(), delay=delay, holder=self.holder
        )
        subject = self.query_one("#subject", Input).value
        return WaitingSend(draft_uid, subject, due, self.planned_send_at)

    @work(thread=True, exclusive=True, exit_on_error=False, group="send")
    def _send(self, draft_uid: uuid.UUID) -> SendResponse:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        return self.app.services.core.send({"draft_uid": str(draft_uid)}, progress=progress)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "send" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self.sending = False
        self.app.sending -= 1
        self.query_one("#progress", ProgressBar).remove_class("shown")
        assert self.draft_uid is not None
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, WaitingSend):
            self.post_message(self.Queued(self.draft_uid, worker.result))
            self.app.add_waiting(worker.result)
            self.dismiss()
            return
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, SendResponse):
            self.post_message(self.Sent(self.draft_uid, worker.result))
            subject = self.query_one("#subject", Input).value or "(no subject)"
            self.app.notify(f"{subject!r}: {worker.result.status}", title="Sent")
            self.dismiss()
            return
        error = worker.error or RuntimeError("unknown error")
        if isinstance(error, Conflict):
            self.turn_read_only(self.leases.take(self.draft_uid))
            return
        self.post_message(self.SendFailed(self.draft_uid, error))
        self._show_error(error)
        self.notify(
            "The draft is kept; fix it and send again.", title="Send failed", severity="error"
        )

    def _show_error(self, error: BaseException) -> None:
        text = Text()
        if isinstance(error, SendError):
            text.append(error.message, style="bold")
            for detail in error.details:
                text.append(f"\n  {detail.field}: {detail.message}")
            if error.outbound_email_uid:
                text.append(f"\n  send record: {error.outbound_email_uid}", style="dim")
        else:
            text.append(f"Unexpected error: {error}", style="bold")
        area = self.query_one("#error", Static)
        area.update(text)
        area.add_class("shown")


def _default_account(store: Store, account_ids: list[uuid.UUID]) -> uuid.UUID | None:
    """The account used most recently for sending, else the first one."""
    recent = queries.last_sending_account(store)
    if recent in account_ids:
        return recent
    return account_ids[0] if account_ids else None


def editor_text(body: str) -> str:
    """The body as the ``$EDITOR`` file holds it: ending with a newline, as text files do."""
    return body if body.endswith("\n") else body + "\n"


def body_text(edited: str) -> str:
    """The body back from the editor, without the file's final newline."""
    return edited.removesuffix("\n")


def planned_label(when: datetime | None, now: datetime) -> str:
    """``2026-11-27 11:52 (in 1d 2h)`` or empty."""
    return f"{local_time(when)} ({relative(when, now)})" if when else ""
