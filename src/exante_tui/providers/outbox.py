"""The offline transport: every message becomes an ``.eml`` file in the outbox directory
(0600 files in a 0700 directory: they hold whole messages)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from exante_tui.private_files import private_dir, write_new
from exante_tui.providers.base import Delivery, ProgressCallback, TransportError, message_id_of

_HEADER_BYTES = 1 << 16
"""How much of an ``.eml`` file is read to find its Message-ID (headers come first)."""


class OutboxTransport:
    """Writes each message to ``<outbox_dir>/<id>.eml``; threads keep the id they were given."""

    def __init__(self, outbox_dir: Path) -> None:
        self.outbox_dir = outbox_dir

    def send(
        self,
        raw: bytes,
        *,
        thread_id: str | None,
        progress: ProgressCallback | None = None,
        message_id: str | None = None,
    ) -> Delivery:
        """Write ``raw`` atomically (temp file, then rename) and return outbox ids."""
        file_id = f"outbox-{secrets.token_hex(8)}"
        try:
            private_dir(self.outbox_dir)
            final = self.outbox_dir / f"{file_id}.eml"
            partial = final.with_suffix(".part")
            write_new(partial, raw)
            os.replace(partial, final)
        except OSError as exc:
            raise TransportError(f"could not write to the outbox {self.outbox_dir}: {exc}") from exc
        if progress is not None:
            progress(len(raw), len(raw))
        return Delivery(
            provider_message_id=file_id,
            provider_thread_id=thread_id or file_id,
            rfc_message_id=message_id or message_id_of(raw),
        )

    def find_sent(self, rfc_message_id: str) -> Delivery | None:
        """The ``.eml`` file carrying this Message-ID (its thread is not kept: its own id)."""
        try:
            files = sorted(self.outbox_dir.glob("*.eml"))
            for path in files:
                with path.open("rb") as handle:
                    if message_id_of(handle.read(_HEADER_BYTES)) == rfc_message_id:
                        return Delivery(path.stem, path.stem, rfc_message_id)
        except OSError as exc:
            raise TransportError(f"could not read the outbox {self.outbox_dir}: {exc}") from exc
        return None
