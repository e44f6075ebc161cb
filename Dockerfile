# The hub's one image: web (gunicorn), Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

# PYTHONPATH: the source tree in /app wins over the installed copy of the package, so every process
# (gunicorn, celery, manage.py) sees settings' BASE_DIR as /app, where collectstatic put the static files.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps . \
    && rm -rf build *.egg-info \
    && SECRET_KEY=collectstatic-only-not-used-at-runtime python manage.py collectstatic --noinput -v0

# Run as an unprivileged user; it may write only media (uploads, exports) and var (beat's schedule).
RUN groupadd --system --gid 10001 hub \
    && useradd --system --uid 10001 --gid hub --home-dir /app --no-create-home --shell /usr/sbin/nologin hub \
    && mkdir -p /app/media /app/var \
    && chown hub:hub /app/media /app/var
USER hub

EXPOSE 8000
CMD ["gunicorn", "hub.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
