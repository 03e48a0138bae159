"""The embedded default: each message is written as a text file under ``var/outbox/``,
so a person can read exactly what patients would get, and nothing leaves the machine."""

import os
from pathlib import Path

from django.conf import settings

from ..messages import Message


class OutboxBackend:
    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    @property
    def folder(self) -> Path:
        # Read at each send, so a changed setting (a test's own folder) takes effect.
        return Path(self._folder or settings.STRIKEDESK_OUTBOX_DIR)

    def send(self, message: Message) -> str:
        # Named by notice id, never by patient: sending the same notice again replaces
        # its file instead of adding a second one.
        path = self.folder / message.channel / f"notice-{message.notice_id}-{message.kind}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        header = [f"Channel: {message.channel}"]
        if message.to:
            header.append(f"To: {message.to}")
        header.extend(f"Address: {line}" for line in message.address_lines)
        header.append(f"Subject: {message.subject}")
        text = "\n".join(header) + "\n\n" + message.body + "\n"
        # Written whole, then renamed into place: a reader never sees half a message. The
        # temporary name is this process's own, so two workers never share one.
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(text)
        os.replace(partial, path)
        return f"outbox:{path.relative_to(self.folder)}"
