# The production image: gunicorn serving backend.wsgi, and the same image runs the Celery worker
# and beat (see docker-compose.yml). Build with `docker compose build` or `docker build .`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs pango; libharfbuzz-subset0 lets it subset fonts 3-4 times faster; DejaVu is
# the fallback font; gettext compiles translations. PostgreSQL's libpq is not needed: the lock
# installs psycopg[binary], which bundles its own.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. The lock is hash-pinned and
# complete: --no-deps makes pip refuse anything it does not list.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .

# Static files are collected into the image (whitenoise serves them, with hashed names because
# DEBUG is off). The key below exists only for this build step; the running container must get
# its own SECRET_KEY from the environment.
RUN DEBUG=0 SECRET_KEY=build-only-key-not-used-at-run-time-0123456789abcdef \
        python manage.py collectstatic --noinput --verbosity 0 \
    && if find . -path '*/locale/*' -name '*.po' | grep -q .; then \
        DEBUG=0 SECRET_KEY=build-only-key-not-used-at-run-time-0123456789abcdef \
        python manage.py compilemessages --verbosity 0; \
    fi

# The code stays owned by root and read-only to the process; only var/ (media, scratch) is its.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

USER app

ENV MEDIA_ROOT=/app/var/media \
    GUNICORN_WORKERS=3 \
    GUNICORN_THREADS=4 \
    GUNICORN_TIMEOUT=30

EXPOSE 8000

# curl is not in the slim image: ask /healthz with Python. The Host header is the first of
# ALLOWED_HOSTS (a leading dot stripped), so that the request is not refused as a bad host.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.') or 'localhost'; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)" || exit 1

# exec: gunicorn becomes PID 1 and receives the stop signal (graceful shutdown). Its settings
# (bind 0.0.0.0:8000, GUNICORN_* sizes, both logs on the standard streams, with tokens masked)
# are in backend/gunicorn_conf.py, which tests/core/test_gunicorn_logs.py runs as is.
CMD ["gunicorn", "-c", "python:backend.gunicorn_conf"]
