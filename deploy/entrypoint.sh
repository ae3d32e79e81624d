#!/bin/sh
# Archive's container entrypoint: apply the database migrations, then become the server.
#
#   0. `archive check-config --as-configured`: refused settings stop here, each named.
#   1. `alembic upgrade head`, retried while the database is not up yet (compose starts
#      PostgreSQL beside us); replicas starting together take turns (an advisory lock on
#      PostgreSQL, see alembic/env.py).
#   2. `exec archive serve`: the server replaces this shell, so the SIGTERM that
#      `docker stop` sends reaches it and it shuts down gracefully.
#
# The same two steps as `make run` (which builds the frontend first; the image built it at
# build time). ARCHIVE_HOME is the project folder (the image's /app); ARCHIVE_MIGRATE_TRIES
# and ARCHIVE_MIGRATE_WAIT bound the wait for the database.
set -eu

cd "${ARCHIVE_HOME:-$(dirname "$0")/..}"
tries="${ARCHIVE_MIGRATE_TRIES:-30}"
wait="${ARCHIVE_MIGRATE_WAIT:-2}"

# Settings first: a missing secret is named at once, not retried as "database not ready".
archive check-config --as-configured

attempt=1
until alembic upgrade head; do
  if [ "$attempt" -ge "$tries" ]; then
    echo "entrypoint: migrations failed $attempt times; is ARCHIVE_DATABASE_URL right and the database up?" >&2
    exit 1
  fi
  echo "entrypoint: database not ready (attempt $attempt of $tries), retrying in ${wait}s" >&2
  attempt=$((attempt + 1))
  sleep "$wait"
done

exec archive serve
