"""Filling the message from elsewhere: the body from ``$EDITOR``, a file as an attachment,
the whole message from a template."""

from __future__ import annotations

import base64
import mimetypes
import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported
from textual.screen import Screen
from textual.widgets import Input, Select, Switch, TextArea

from exante_tui.core.mime import Attachment
from exante_tui.core.template_fill import fill_body
from exante_tui.tui.screens.template_picker import TemplateChoice
from exante_tui.tui.widgets.attachments import AttachmentPanel


def editor_text(body: str) -> str:
    """The body as the ``$EDITOR`` file holds it: ending with a newline, as text files do."""
    return body if body.endswith("\n") else body + "\n"


def body_text(edited: str) -> str:
    """The body back from the editor, without the file's final newline."""
    return edited.removesuffix("\n")


def edit_in_editor(app: App[Any], body: str) -> str | None:
    """``body`` edited in ``$VISUAL``/``$EDITOR`` (vi if unset) with ``app`` suspended; None
    when the terminal cannot hand over to an editor."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as tmp:
        tmp.write(editor_text(body))
    path = Path(tmp.name)
    try:
        with app.suspend():
            subprocess.run([*shlex.split(editor), str(path)], check=False)
        return body_text(path.read_text(encoding="utf-8"))
    except SuspendNotSupported:
        return None
    finally:
        path.unlink(missing_ok=True)


def file_attachment(path: Path) -> Attachment:
    """The file at ``path`` as an attachment, its type guessed from its name (``OSError``
    when it cannot be read)."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Attachment(path.name, content_type, path.read_bytes())


def fill_from_template(
    screen: Screen[None], choice: TemplateChoice, signature: str | None, *, reply: bool
) -> None:
    """Fill the form from a rendered template: its text above what the body holds (the
    composer's ``signature`` dropped if the template wants none), its subject and sender
    unless this is a reply, its Markdown setting and its attachments."""
    template, rendered = choice.template, choice.rendered
    body = screen.query_one("#body", TextArea)
    drop = signature if not template.signature else None
    body.load_text(fill_body(rendered, body.text, drop_signature=drop))
    if not reply:
        screen.query_one("#subject", Input).value = rendered.subject
        if template.from_account_id is not None:
            screen.query_one("#from", Select).value = template.from_account_id
    screen.query_one("#markdown", Switch).value = template.body_markdown is not None
    panel = screen.query_one(AttachmentPanel)
    for attachment in template.attachments:
        data = base64.b64decode(attachment["data_base64"])
        panel.add(Attachment(attachment["filename"], attachment["content_type"], data))
