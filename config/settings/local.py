"""The embedded default for a workstation: ``make run`` with nothing configured."""

import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)


def _workstation_secret_key() -> str:
    # A key made once per checkout and kept under var/, so sessions survive restarts
    # without a secret being written into the code.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Created owner-only from the start, never readable by others even briefly.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _workstation_secret_key()

if DEBUG:
    # Static files straight from the source folders: no collectstatic on a workstation.
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
