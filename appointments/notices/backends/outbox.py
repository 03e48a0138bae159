"""The embedded default: each message is written as a text file under ``var/outbox/``,
so a person can read exactly what patients would get, and nothing leaves the machine."""

import os
import uuid
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
        # Written whole, then renamed into place: a reader never sees half a message. Only
        # the owner may read it (it holds a name and an address), and the temporary name
        # is this write's own.
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(text)
        os.replace(partial, path)
        return f"outbox:{path.relative_to(self.folder)}"
