#!/bin/sh
# Archive's container entrypoint: apply the database migrations, then become the server.
#
#   0. `archive check-config --as-configured`: refused settings stop here, each named.
#   1. The data directory (ARCHIVE_DATA_DIR, the image's /data) must be writable by this user
#      (uid 10001 in the image): a root-owned bind mount stops here, said once, with the fix.
#   2. `alembic upgrade head`, retried while the database cannot be reached yet (compose
#      starts PostgreSQL beside us); replicas starting together take turns (an advisory lock
#      on PostgreSQL, see alembic/env.py). Any other migration failure is not retried.
#   3. `exec archive serve`: the server replaces this shell, so the SIGTERM that
#      `docker stop` sends reaches it and it shuts down gracefully.
#
# The same steps as `make run` (which builds the frontend first; the image built it at build
# time). ARCHIVE_HOME is the project folder (the image's /app); ARCHIVE_MIGRATE_TRIES and
# ARCHIVE_MIGRATE_WAIT bound the wait for the database.
set -eu

cd "${ARCHIVE_HOME:-$(dirname "$0")/..}"
tries="${ARCHIVE_MIGRATE_TRIES:-30}"
wait="${ARCHIVE_MIGRATE_WAIT:-2}"
uid="$(id -u)"

say() { echo "entrypoint: $*" >&2; }

# Settings first: a missing secret is named at once, not retried as "database not ready".
archive check-config --as-configured

data="${ARCHIVE_DATA_DIR:-}"
if [ -n "$data" ]; then
  probe="$data/.archive-write-check.$$"
  if ! { mkdir -p "$data" && touch "$probe" && rm -f "$probe"; } 2>/dev/null; then
    say "cannot write the data directory $data (uid $uid). Make it writable by uid $uid:" \
      "a named volume (docker run -v archive-data:$data) is, or give a bind mount's folder" \
      "to that user (chown -R $uid:$uid <host folder>). Not retrying."
    exit 1
  fi
fi

case "${ARCHIVE_DATABASE_URL:-sqlite}" in
  sqlite*) sqlite=yes ;;
  *) sqlite=no ;;
esac
# One migration attempt's output, kept out of the log unless it is the last word.
out="$(mktemp "${TMPDIR:-/tmp}/archive-migrate.XXXXXX")"
trap 'rm -f "$out"' EXIT

attempt=1
while ! alembic upgrade head > "$out" 2>&1; do
  if [ "$sqlite" = yes ] && grep -Eqi 'readonly database|read-only file system|unable to open database file|permission denied' "$out"; then
    say "cannot write the database in the data directory ${data:-?} (uid $uid): the migrations" \
      "failed with this. Make the folder and its files writable by uid $uid. Not retrying."
    tail -n 3 "$out" >&2
    exit 1
  fi
  if ! grep -Eqi 'could not connect|connection refused|connection failed|could not translate host|failed to resolve host|name or service not known|temporary failure in name resolution|timeout expired|timed out|the database system is starting up|no route to host|server closed the connection' "$out"; then
    say "the migrations failed (not a connection problem, so not retried):"
    cat "$out" >&2
    exit 1
  fi
  if [ "$attempt" -ge "$tries" ]; then
    say "database not reachable after $attempt attempts; is ARCHIVE_DATABASE_URL right and" \
      "the database up? The last error:"
    grep -E '^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception)' "$out" | tail -n 1 >&2
    exit 1
  fi
  if [ "$attempt" -eq 1 ]; then
    say "database not reachable yet; retrying every ${wait}s, $tries attempts in all"
  fi
  attempt=$((attempt + 1))
  sleep "$wait"
done
cat "$out" >&2
rm -f "$out"
trap - EXIT

exec archive serve
