# syntax=docker/dockerfile:1
# Archive in one image: `make image` (docker build -t archive .), then see README → Deploy.
#
# The steps are `make run`'s: install the pinned Python packages, bun 1.4.4 from the npm
# registry, build the frontend, and (at start, deploy/entrypoint.sh) `alembic upgrade head`
# then serve. The frontend is built here, once; the running container needs no bun or node.
#
# The pages open their websocket at the host they were loaded from, on the port of the
# ARCHIVE_PUBLIC_URL given here (https: the standard port). The default suits a TLS proxy in
# front (any host name) and `docker run -p 3000:3000`; for plain http on another port, build
# with --build-arg ARCHIVE_PUBLIC_URL=http://host:port.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG ARCHIVE_PUBLIC_URL=http://localhost:3000
ARG BUN_VERSION=1.4.4
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false \
    PATH=/app/.tools/node_modules/.bin:/opt/venv/bin:$PATH
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm unzip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# bun from the npm registry (Reflex's own download needs the open internet), as `make setup`
RUN npm install --prefix .tools --no-audit --no-fund "bun@${BUN_VERSION}"
# Python packages first (cached while only the code changes)
COPY pyproject.toml README.md ./
RUN python -m venv /opt/venv \
 && mkdir -p archive_app && touch archive_app/__init__.py \
 && pip install -q -e . \
 && rm -rf archive_app
COPY rxconfig.py ./
COPY reflex.lock ./reflex.lock
COPY alembic ./alembic
COPY assets ./assets
COPY archive_app ./archive_app
COPY deploy ./deploy
# The frontend, built with the public URL above; then drop what only the build needed.
RUN ARCHIVE_DATA_DIR=/tmp/build-data ARCHIVE_PUBLIC_URL="${ARCHIVE_PUBLIC_URL}" \
    reflex export --frontend-only --no-zip --env prod \
 && printf '%s\n' "${ARCHIVE_PUBLIC_URL}" > .web/archive-build-url \
 && rm -rf .web/node_modules .tools /tmp/build-data reflex.lock

FROM ${PYTHON_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin archive \
 && mkdir -p /data && chown archive:archive /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=archive:archive /app /app
ENV PATH=/opt/venv/bin:$PATH \
    ARCHIVE_HOME=/app \
    ARCHIVE_DATA_DIR=/data \
    ARCHIVE_PORT=3000 \
    ARCHIVE_HOST=0.0.0.0 \
    REFLEX_TELEMETRY_ENABLED=false \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER archive
VOLUME ["/data"]
EXPOSE 3000
# /_health reads the database: 503 (unhealthy) when it is gone.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_health' % os.environ.get('ARCHIVE_PORT', '3000'), timeout=4)"
# tini reaps zombies and passes SIGTERM on; the entrypoint `exec`s the server.
ENTRYPOINT ["/usr/bin/tini", "--", "/app/deploy/entrypoint.sh"]
