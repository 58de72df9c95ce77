"""Write a message: new, an existing draft, or a reply. Autosaves and sends in workers.

The screen holds the draft's state (its uid, whether it is read-only, what was last saved);
its parts are in :mod:`exante_tui.tui.composing`: the form's widgets (``form``), saving
(``saving``: autosave in a thread, explicit saves at once, never an older text over a newer),
the hold on the draft and the read-only turn (``hold``), sending and undo-send
(``sending``), and filling the body from ``$EDITOR``, a file or a template (``filling``).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label, Static, Switch, TextArea
from textual.worker import Worker

from exante_tui.core.contract import SendResponse
from exante_tui.core.draft_state import DraftState
from exante_tui.core.drafts import DraftContent
from exante_tui.core.leases import RENEW_EVERY
from exante_tui.core.mime import Attachment
from exante_tui.core.signatures import signed_body, text_signature
from exante_tui.errors import ExanteError
from exante_tui.store import queries
from exante_tui.tui.composing import sending
from exante_tui.tui.composing.filling import edit_in_editor, file_attachment, fill_from_template
from exante_tui.tui.composing.form import (
    Senders,
    form,
    form_content,
    load_senders,
    markdown_hint,
    schedule_status,
    show_error,
)
from exante_tui.tui.composing.hold import DraftHold, Held
from exante_tui.tui.composing.saving import DraftSaver
from exante_tui.tui.format import local_time
from exante_tui.tui.screens.file_picker import FilePickerScreen
from exante_tui.tui.screens.schedule import ScheduleChoice, ScheduleScreen
from exante_tui.tui.screens.template_picker import TemplateChoice, TemplatePickerScreen
from exante_tui.tui.waiting import WaitingSend
from exante_tui.tui.widgets.attachments import AttachmentPanel

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp

AUTOSAVE_DELAY = 1.0
"""Seconds after the last change before the draft is written (well within 2 s)."""

_EDITING_ACTIONS = frozenset({"send", "save", "attach", "schedule", "toggle_markdown", "editor"})


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
        senders: Senders | None = None,
        held: Held | None = None,
    ) -> None:
        super().__init__()
        self.initial = content
        self.senders = senders
        """The From list, read in a thread before the screen opens (the app's ``open_*``)."""
        self.held = held
        """The hold on ``draft_uid``, taken in that thread too (else taken on mount)."""
        self.initial_attachments = attachments or []
        self.draft_uid = draft_uid
        self.planned_send_at = content.planned_send_at
        self.files_version = 0
        """Counts changes of the attachments (a save sends the files only when it moved)."""
        self.saved_state: tuple[DraftContent, int] | None = None
        """What the store holds: content and files version (written under ``saver.lock``)."""
        self._autosave: Timer | None = None
        self.signature: str | None = None
        """The signature block put in a new message's body, if any."""
        # Focus lands on the first field as the screen shows, before keys typed after ``n``.
        # Textual reads AUTO_FOCUS from the instance when it composes; it declares a ClassVar.
        self.AUTO_FOCUS = "#body" if content.to else "#to-input"  # type: ignore[misc]
        self.read_only: DraftState | None = None
        """Why the draft can no longer change here (None while it can)."""
        self.send_flow = sending.SendFlow(self)
        self.saver = DraftSaver(self)

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        store = self.app.services.store
        senders = self.senders or load_senders(store, self.initial.account_id)
        accounts, chosen = senders.accounts, self.initial.account_id or senders.chosen
        content = self.initial
        if self.draft_uid is None:
            sender = next((a for a in accounts if a.id == chosen), None)
            signature = sender.signature_text if sender else None
            signed = signed_body(content.body_text, signature)
            content = content.model_copy(update={"body_text": signed})
            self.signature = text_signature(signature) if signature else None

        def lookup(prefix: str) -> list[str]:
            return queries.known_addresses(store, prefix)

        yield Header()
        yield from form(content, accounts, chosen, self.initial_attachments, lookup)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Reply" if self.initial.reply_to_message_uid else "Compose"
        self.sub_title = "editing draft" if self.draft_uid else "new message"
        self.mark_saved()
        self.show_schedule()
        self._show_markdown()
        if self.AUTO_FOCUS == "#body":
            self.query_one("#body", TextArea).move_cursor((0, 0))
        self.hold = DraftHold(self, self.held.holder if self.held else None)
        if self.draft_uid is not None and self.held is not None:
            self.hold.held(self.held.state)
        elif self.draft_uid is not None:
            self.hold.check(self.draft_uid)
        self.set_interval(RENEW_EVERY.total_seconds(), self._renew_hold)

    def on_unmount(self) -> None:
        if self.draft_uid is not None:
            self.hold.release(self.draft_uid)

    def _renew_hold(self) -> None:
        if self.draft_uid is not None and self.read_only is None and not self.send_flow.running:
            self.hold.renew(self.draft_uid)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "keep_as_new":
            return self.read_only is not None
        if action in _EDITING_ACTIONS:
            return self.read_only is None
        return True

    # -- content and saving -----------------------------------------------------------------------

    def current_content(self) -> DraftContent:
        """What the form holds now, as draft content (HTML rendered when the toggle is on)."""
        return form_content(self, self.initial, self.planned_send_at)

    def mark_saved(self) -> None:
        """What the form holds now is what the store holds."""
        with self.saver.lock:
            self.saved_state = (self.current_content(), self.files_version)
            self.saver.supersede()

    def unsaved(self) -> bool:
        """The form holds changes the store does not have."""
        return (self.current_content(), self.files_version) != self.saved_state

    def stop_autosave(self) -> None:
        """Cancel the autosave waiting to run, if one is."""
        if self._autosave is not None:
            self._autosave.stop()
            self._autosave = None

    def save_now(self, *, force: bool = False) -> uuid.UUID | None:
        """Write the draft if it changed (``force``: create it even if unchanged), now: after
        an autosave under way, if one is, so the draft exists when this returns."""
        self.stop_autosave()
        if self.read_only is not None:
            return None
        return self.saver.save_now(force=force)

    def _autosave_in_background(self) -> None:
        """The autosave timer: write the draft in a thread worker, the UI going on."""
        self._autosave = None
        if self.read_only is None:
            self.saver.autosave()

    @work(thread=True, exclusive=True, exit_on_error=False, group="recheck")
    def recheck(self, draft_uid: uuid.UUID) -> None:
        """After a failed send, check the saved draft again: fixed problems leave the list."""
        try:
            self.app.services.core.check_draft(draft_uid)
        except ExanteError as exc:
            self.app.call_from_thread(show_error, self, exc)
        else:
            self.app.call_from_thread(self.query_one("#error", Static).remove_class, "shown")

    def _changed(self) -> None:
        if self.read_only is not None:
            return
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_DELAY, self._autosave_in_background)

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
        on = self.query_one("#markdown", Switch).value
        self.query_one("#markdown-hint", Label).update(markdown_hint(on))

    def on_attachment_panel_changed(self) -> None:
        self.files_version += 1
        self._changed()

    def show_schedule(self) -> None:
        """Show when the draft is planned to go."""
        status = schedule_status(self.planned_send_at, self.app.now())
        self.query_one("#schedule-status", Label).update(status)

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

    def action_keep_as_new(self) -> None:
        """Save what is on screen as a new draft and go on editing that one."""
        self.hold.keep_as_new()

    def action_send(self) -> None:
        self.send_flow.start()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == sending.GROUP:
            self.send_flow.ended(event)

    def action_toggle_markdown(self) -> None:
        switch = self.query_one("#markdown", Switch)
        switch.value = not switch.value

    def action_attach(self) -> None:
        self.app.push_screen(FilePickerScreen(Path.cwd()), self._attach_file)

    def _attach_file(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            attachment = file_attachment(path)
        except OSError as exc:
            self.notify(f"Cannot read {path}: {exc}", severity="error")
            return
        self.query_one(AttachmentPanel).add(attachment)

    def action_schedule(self) -> None:
        self.app.push_screen(ScheduleScreen(self.planned_send_at, self.app.now), self._scheduled)

    def _scheduled(self, choice: ScheduleChoice | None) -> None:
        if choice is None:
            return
        self.planned_send_at = choice.when
        self.show_schedule()
        if self.save_now(force=True) is not None:
            when = local_time(choice.when) if choice.when else None
            self.notify(f"Scheduled for {when}" if when else "Schedule cancelled")

    def action_editor(self) -> None:
        """Edit the body in ``$VISUAL``/``$EDITOR`` (vi if unset) with the app suspended."""
        body = self.query_one("#body", TextArea)
        edited = edit_in_editor(self.app, body.text)
        if edited is None:
            self.notify("This terminal cannot hand over to an editor.", severity="warning")
            return
        body.load_text(edited)
        self._changed()

    async def action_template(self) -> None:
        templates = await asyncio.to_thread(self.app.services.templates.list)
        await self.app.push_screen(TemplatePickerScreen(templates), self._use_template)

    def _use_template(self, choice: TemplateChoice | None) -> None:
        """Put the rendered template above what the body holds (signature, quote)."""
        if choice is None:
            return
        reply = self.initial.reply_to_message_uid is not None
        fill_from_template(self, choice, self.signature, reply=reply)
        self._changed()
        self.notify(f"Filled from template {choice.template.name!r}")
