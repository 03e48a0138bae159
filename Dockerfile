# syntax=docker/dockerfile:1
# StrikeDesk's server image: one image for web (gunicorn), worker and beat (celery) and the
# one-shot migrate job; docker-compose.yml picks the command. Build: docker compose build

# --- Front-end packages served as static files (NHS.UK frontend, Chart.js, htmx) --------
FROM node:20-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
# Exactly what the lock file says; no install scripts: these packages are files to serve.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- Python dependencies and the project, in a virtual environment to copy whole --------
FROM python:3.11-slim AS python-deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY . .
# The cache mount keeps downloaded wheels between builds without putting them in a layer.
RUN --mount=type=cache,target=/root/.cache/pip pip install .

# --- Runtime -------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime
# PYTHONPATH: settings find templates/, static/ and node_modules/ beside config/, so the
# code runs from /app, whatever the working directory (the copy pip installed into the
# virtual environment has none of them).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STRIKEDESK_VAR_DIR=/app/var \
    STRIKEDESK_STATIC_ROOT=/app/staticfiles

# A home of its own: gunicorn keeps its control socket under $HOME/.gunicorn/.
RUN groupadd --system --gid 10001 strikedesk \
    && useradd --system --uid 10001 --gid strikedesk --create-home --home-dir /home/strikedesk \
       --shell /usr/sbin/nologin strikedesk

WORKDIR /app
COPY --from=python-deps /opt/venv /opt/venv
COPY --from=frontend /build/node_modules ./node_modules
COPY . .

# collectstatic loads the production settings, which demand a key and hosts. These two are
# throwaway values for this one step: they are not kept in the image's environment, and
# the real ones come from .env at run time.
ARG COLLECTSTATIC_SECRET_KEY=collectstatic-only-throwaway-key-never-used-to-sign-anything
ARG COLLECTSTATIC_ALLOWED_HOSTS=localhost
RUN SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" ALLOWED_HOSTS="$COLLECTSTATIC_ALLOWED_HOSTS" \
    python manage.py collectstatic --noinput \
    && mkdir -p "$STRIKEDESK_VAR_DIR" \
    && chown -R strikedesk:strikedesk "$STRIKEDESK_VAR_DIR"

# The code and the collected static files stay root's: the server can read them, not
# change them. Only var/ (a volume in docker-compose.yml) is the server's to write.
USER strikedesk
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
