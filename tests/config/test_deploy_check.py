"""The settings as a server and a laptop load them, each in a fresh process.

Settings are read once per process, so every case here starts ``manage.py`` in a
subprocess with exactly the environment it describes.
"""

import hashlib
import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"

# Everything the settings read from the environment: cleared before each case so the
# developer's or CI's own values cannot leak in.
SETTINGS_VARIABLES = (
    # Set by the browser tests' session (tests/e2e/conftest.py); Django refuses it on a
    # server, and no deployment has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DATABASE_POOL",
    "DATABASE_POOL_MIN",
    "DATABASE_POOL_MAX",
    "CONN_MAX_AGE",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_VISIBILITY_TIMEOUT",
    "CELERY_TASK_SOFT_TIME_LIMIT",
    "CELERY_TASK_TIME_LIMIT",
    "LOG_LEVEL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "STRIKEDESK_VAR_DIR",
    "STRIKEDESK_STATIC_ROOT",
    "STRIKEDESK_PUBLIC_URL",
    "STRIKEDESK_DEMO_ALLOWED",
    "STRIKEDESK_NOTICE_BACKEND",
    "STRIKEDESK_NOTICE_CLAIM_TIMEOUT",
    "STRIKEDESK_NOTICE_DISPATCH_SECONDS",
    "STRIKEDESK_LETTERS",
    "NOTIFY_API_KEY",
    "NOTIFY_TEMPLATE_SMS",
    "NOTIFY_TEMPLATE_EMAIL",
    "NOTIFY_TEMPLATE_LETTER",
    "NOTIFY_CALLBACK_TOKEN",
)


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    return subprocess.run(
        [sys.executable, str(MANAGE_PY), *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "strikedesk.example.nhs.uk",
        "STRIKEDESK_VAR_DIR": str(tmp_path / "var"),
        "NOTIFY_API_KEY": "strikedesk-" + "1" * 36 + "-" + "2" * 36,
        "NOTIFY_TEMPLATE_SMS": "3" * 36,
        "NOTIFY_TEMPLATE_EMAIL": "4" * 36,
        "NOTIFY_TEMPLATE_LETTER": "5" * 36,
        "NOTIFY_CALLBACK_TOKEN": secrets.token_urlsafe(32),
    }


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_server_sending_through_notify_without_its_key_fails_the_check(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    del env["NOTIFY_API_KEY"]
    del env["NOTIFY_TEMPLATE_LETTER"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "NOTIFY_API_KEY, NOTIFY_TEMPLATE_LETTER are not set" in result.stderr


def test_a_claim_timeout_shorter_than_a_dispatch_task_fails_the_check(tmp_path: Path) -> None:
    env = {**_production_env(tmp_path), "STRIKEDESK_NOTICE_CLAIM_TIMEOUT": "60"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "strikedesk.E004" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


# Run inside `manage.py shell`: what the embedded default resolves to, as one JSON line.
_DESCRIBE_LOCAL = """
import hashlib, json
from django.conf import settings
from django.db import connection
from config import celery_app
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
print("SETTINGS " + json.dumps({
    "vendor": connection.vendor,
    "database": str(settings.DATABASES["default"]["NAME"]),
    "journal_mode": journal_mode,
    "broker": settings.CELERY_BROKER_URL,
    "celery_broker": celery_app.conf.broker_url,
    "secret_key_sha256": hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest(),
}))
"""


def _describe_local(var_dir: Path) -> dict[str, str]:
    result = _manage(
        "shell",
        "-c",
        _DESCRIBE_LOCAL,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.local", "STRIKEDESK_VAR_DIR": str(var_dir)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("SETTINGS ")]
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0].removeprefix("SETTINGS "))


def test_with_nothing_set_the_local_settings_use_sqlite_and_a_filesystem_broker_under_var(
    tmp_path: Path,
) -> None:
    var_dir = tmp_path / "var"

    first = _describe_local(var_dir)

    assert first["vendor"] == "sqlite"
    assert first["database"] == str(var_dir / "strikedesk.sqlite3")
    assert (var_dir / "strikedesk.sqlite3").is_file()
    assert first["journal_mode"] == "wal"
    assert first["broker"] == "filesystem://"
    assert first["celery_broker"] == "filesystem://"

    key_file = var_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert first["secret_key_sha256"] == hashlib.sha256(key.encode()).hexdigest()

    second = _describe_local(var_dir)

    assert second["secret_key_sha256"] == first["secret_key_sha256"]
    assert key_file.read_text().strip() == key
