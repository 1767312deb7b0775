# brandbot: one container running the scheduler, the listener and the web UI on :8080.
#   docker build -t brandbot .
#   docker run --env-file .env -p 8080:8080 -v brandbot-data:/data brandbot            # live
#   docker run -p 8080:8080 -v brandbot-data:/data brandbot run --sandbox              # no X account needed
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependency layer: only pyproject.toml is copied, so editing the code never reinstalls the
# dependencies. The list is read from [project].dependencies with the stdlib TOML parser.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The package itself (no dependency resolution: they are all in the layer above).
COPY README.md ./
COPY bot ./bot
RUN pip install --no-deps . && rm -rf build ./*.egg-info
COPY templates ./templates

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin brandbot \
    && mkdir -p /data \
    && chown brandbot:brandbot /data
VOLUME ["/data"]

# Defaults for a container; anything here is overridden by `--env-file`/`environment:`.
ENV DATABASE_URL=sqlite:////data/brandbot.db \
    TEMPLATE_DIR=/app/templates \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080 \
    LOG_FORMAT=json

USER brandbot
EXPOSE 8080

# `brandbot health` asks /healthz where the running bot's web server really listens, as `brandbot run` recorded
# it in the database once its socket was bound: WEB_PORT here cannot tell a `--web-port`, a WEB_PORT set only in a
# .env file, or WEB_PORT=0 (a port the OS picks). Exit 0 healthy, 1 unhealthy with the reason (docker inspect shows
# it). Each wait it makes is at most 3 s (the database, then /healthz), within --timeout.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["brandbot", "health"]

# `brandbot run` drains in-flight work and exits on SIGTERM (docker stop).
STOPSIGNAL SIGTERM
ENTRYPOINT ["brandbot"]
CMD ["run"]
