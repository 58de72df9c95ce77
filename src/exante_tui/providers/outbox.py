"""The offline transport: every message becomes an ``.eml`` file in the outbox directory."""

from __future__ import annotations

import os
import secrets
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path

from exante_tui.providers.base import Delivery, ProgressCallback, TransportError


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
    ) -> Delivery:
        """Write ``raw`` atomically (temp file, then rename) and return outbox ids."""
        message_id = f"outbox-{secrets.token_hex(8)}"
        try:
            self.outbox_dir.mkdir(parents=True, exist_ok=True)
            final = self.outbox_dir / f"{message_id}.eml"
            partial = final.with_suffix(".part")
            partial.write_bytes(raw)
            os.replace(partial, final)
        except OSError as exc:
            raise TransportError(f"could not write to the outbox {self.outbox_dir}: {exc}") from exc
        if progress is not None:
            progress(len(raw), len(raw))
        headers = BytesHeaderParser(policy=default).parsebytes(raw)
        return Delivery(
            provider_message_id=message_id,
            provider_thread_id=thread_id or message_id,
            rfc_message_id=str(headers["Message-ID"]) if headers["Message-ID"] else None,
        )
