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

# The base: the official Python image, or (no registry at hand: `make image-test`) one made
# from Debian's packages with python3.11, python3.11-venv and python-is-python3.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG ARCHIVE_PUBLIC_URL=http://localhost:3000
ARG BUN_VERSION=1.4.4
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    PATH=/opt/venv/bin:$PATH
WORKDIR /app
# bun from the npm registry (Reflex's own download needs the open internet), as `make setup`
# does, but without npm: deploy/fetch_bun.py downloads the same package and checks its sha512.
# bun (NODE_EXTRA_CA_CERTS) and Reflex's checks (SSL_CERT_FILE below) trust the base's CA bundle.
COPY deploy/fetch_bun.py /tmp/fetch_bun.py
RUN python /tmp/fetch_bun.py "${BUN_VERSION}" /usr/local/bin/bun && rm /tmp/fetch_bun.py
# Python packages first (cached while only the code changes)
COPY pyproject.toml README.md ./
RUN python -m venv /opt/venv \
 && mkdir -p archive_app && touch archive_app/__init__.py \
 && pip install -q -e . \
 && rm -rf archive_app
# Only what the image runs: no tests, no deploy/ folder (a filled-in deploy/.env must never
# reach an image; .dockerignore keeps every .env out of the build context too).
COPY rxconfig.py ./
COPY reflex.lock ./reflex.lock
COPY alembic ./alembic
COPY assets ./assets
COPY archive_app ./archive_app
COPY deploy/entrypoint.sh ./deploy/entrypoint.sh
# The frontend, built with the public URL above; then drop what only the build needed. The
# bytecode is compiled now: at run time /app is read-only to the server's user.
RUN ARCHIVE_DATA_DIR=/tmp/build-data ARCHIVE_PUBLIC_URL="${ARCHIVE_PUBLIC_URL}" \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    reflex export --frontend-only --no-zip --env prod \
 && printf '%s\n' "${ARCHIVE_PUBLIC_URL}" > .web/archive-build-url \
 && rm -rf .web/node_modules /tmp/build-data reflex.lock \
 && python -m compileall -q archive_app alembic rxconfig.py

FROM ${PYTHON_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin archive \
 && mkdir -p /data && chown archive:archive /data
COPY --from=build /opt/venv /opt/venv
# Owned by root: the server (uid 10001) reads its code and cannot change it; only /data is
# its own. It runs with a read-only root filesystem too (README → Deploy).
COPY --from=build /app /app
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
