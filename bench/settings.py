"""Settings for the bench: the product's own settings, plus one trivial view to measure the
framework's ceiling beside the patient status page, served by the same gunicorn."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

SECRET_KEY = env.str("SECRET_KEY", default="bench-only-key-never-on-a-server-" + "b" * 32)
DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# The bench shares a Redis server with anything else on the machine: its own keys.
STRIKEDESK_CHECK_LIMIT_KEY_PREFIX = "strikedesk-bench:"
# Thousands of requests a second: the guessing limits must not refuse the load generator,
# whose requests all come from 127.0.0.1. Successful checks never count, but the bench
# keeps the address limit out of the picture in case a reference is mistyped.
STRIKEDESK_CHECK_ADDRESS_LIMIT = 1_000_000_000
LOGGING = {
    **LOGGING,  # noqa: F405
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
# Static files collected once per bench run with their manifest, as the production image
# collects them: the status page then looks its assets up as it would on a server.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"  # noqa: F405
