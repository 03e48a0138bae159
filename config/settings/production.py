"""A server: PostgreSQL, Redis, HTTPS behind a proxy. Every secret comes from the environment."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, STATIC_ROOT, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")  # no default: a missing key must stop the server
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to at least 50 random characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The container health check speaks plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# Served only over HTTPS: a stray http:// address in a page is fetched over HTTPS instead
# of being blocked as mixed content.
CONTENT_SECURITY_POLICY = {
    **CONTENT_SECURITY_POLICY,
    "DIRECTIVES": {**CONTENT_SECURITY_POLICY["DIRECTIVES"], "upgrade-insecure-requests": True},
}

# The image collects static files at build time into its own folder: under var/, the
# volume mounted there would keep the first build's files and hide every later one's.
STATIC_ROOT = Path(env.str("STRIKEDESK_STATIC_ROOT", default=str(STATIC_ROOT)))
STRIKEDESK_DEMO_ALLOWED = False
# A server tells real patients: GOV.UK Notify unless the deployment says otherwise
# (manage.py check refuses a Notify backend with its keys or templates missing).
STRIKEDESK_NOTICE_BACKEND = env.str("STRIKEDESK_NOTICE_BACKEND", default="notify")
