"""The test suite: the database and broker still come from the environment, so the same
tests run on the embedded default and, in CI, on PostgreSQL and Redis."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key-not-for-any-server-" + "x" * 32
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the source folders, as on a workstation: no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
