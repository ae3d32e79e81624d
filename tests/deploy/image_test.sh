#!/usr/bin/env bash
# `make image-test`: build the image and check it running (tests/deploy/test_image.py).
#
# Docker where its daemon answers; otherwise podman, installed with apt when missing (Debian's
# podman, with runc: crun refuses this machine's hybrid cgroups). The base is the official
# python:3.11-slim-bookworm when it can be pulled; otherwise one made here from Debian's
# packages (mmdebstrap: python3.11, python3.11-venv, python-is-python3, ca-certificates, and
# this machine's CA bundle, so the build trusts what the machine trusts), kept as
# localhost/archive-base:bookworm for the next run. A canary deploy/.env sits in the build
# folder while the image builds (unless there is a real one), and must not reach the image.
# podman without systemd logs "unable to get systemd connection to add healthchecks": harmless,
# the test runs the image's HEALTHCHECK itself (`podman healthcheck run`).
# Exit 3: no container engine can run here (the reason is printed).
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE="${IMAGE_TEST_TAG:-localhost/archive:image-test}"
PORT="${IMAGE_TEST_PORT:-28080}"
PUBLIC_URL="http://archive.localhost:${PORT}"
OFFICIAL_BASE="python:3.11-slim-bookworm"
LOCAL_BASE="localhost/archive-base:bookworm"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
say() { echo "image-test: $*"; }

engine=() build_opts=() run_opts=()
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  engine=(docker)
else
  if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    say "no Docker daemon; installing Debian's podman and runc"
    if ! { $SUDO apt-get update -q >/dev/null \
           && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q podman runc >/dev/null; }; then
      say "podman could not be installed (apt-get install podman runc failed)"
      exit 3
    fi
  fi
  engine=(podman --runtime runc)
  # podman's default limits are above what this machine lets a process raise them to.
  files="$(ulimit -Hn)"; [ "$files" = unlimited ] && files=1048576
  limits=(--ulimit "nofile=$files:$files" --ulimit "nproc=32768:32768")
  build_opts=(--format docker "${limits[@]}")  # docker format: keeps the HEALTHCHECK
  run_opts=("${limits[@]}")
fi
if ! out="$("${engine[@]}" info 2>&1)"; then
  say "${engine[*]} cannot work here: $(tail -n 3 <<< "$out")"
  exit 3
fi

base="$OFFICIAL_BASE"
if ! timeout 90 "${engine[@]}" pull -q "$OFFICIAL_BASE" >/dev/null 2>&1; then
  base="$LOCAL_BASE"
  if ! "${engine[@]}" image exists "$LOCAL_BASE" 2>/dev/null \
     && ! "${engine[@]}" image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
    say "$OFFICIAL_BASE cannot be pulled; making $LOCAL_BASE from Debian's packages"
    command -v mmdebstrap >/dev/null \
      || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q mmdebstrap >/dev/null
    tarball="$(mktemp --suffix=.tar)"
    $SUDO mmdebstrap --quiet --variant=minbase \
      --include=python3.11,python3.11-venv,python-is-python3,ca-certificates \
      --aptopt='APT::Install-Recommends "false"' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --customize-hook='copy-in /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs' \
      bookworm "$tarball" \
      "deb http://deb.debian.org/debian bookworm main" \
      "deb http://deb.debian.org/debian bookworm-updates main" \
      "deb http://deb.debian.org/debian-security bookworm-security main"
    "${engine[@]}" import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
      "$tarball" "$LOCAL_BASE" >/dev/null
    rm -f "$tarball"
  fi
fi

if ! out="$("${engine[@]}" run --rm "${run_opts[@]}" "$base" true 2>&1)"; then
  say "${engine[*]} cannot run containers here: $(tail -n 3 <<< "$out")"
  exit 3
fi

canary=""
if [ ! -e deploy/.env ]; then
  canary="canary-$(date +%s)-$$"
  printf 'ARCHIVE_SMTP_PASSWORD=%s\n' "$canary" > deploy/.env
  trap 'rm -f deploy/.env' EXIT
fi
say "building $IMAGE on $base with ${engine[*]} (minutes)"
began=$(date +%s)
"${engine[@]}" build "${build_opts[@]}" -t "$IMAGE" \
  --build-arg "PYTHON_IMAGE=$base" --build-arg "ARCHIVE_PUBLIC_URL=$PUBLIC_URL" .
say "built in $(( $(date +%s) - began ))s"
[ -z "$canary" ] || { rm -f deploy/.env; trap - EXIT; }

ARCHIVE_IMAGE="$IMAGE" ARCHIVE_IMAGE_ENGINE="${engine[*]}" ARCHIVE_IMAGE_RUN_OPTS="${run_opts[*]}" \
ARCHIVE_IMAGE_PORT="$PORT" ARCHIVE_IMAGE_CANARY="$canary" \
  .venv/bin/pytest -q -p no:cacheprovider tests/deploy/test_image.py
