"""Fetch bun's binary from the npm registry without npm (the image's build stage).

    python fetch_bun.py 1.4.4 /usr/local/bin/bun

`make setup` runs `npm install bun@<version>`, which only downloads the package for this
machine (`@oven/bun-linux-x64`, ...) and links its binary. Installing Debian's npm for that
costs the build 321 MB and 24 s, so this does the same download with the standard library,
checks it against the registry's sha512 integrity, and writes `package/bin/bun`.
NPM_REGISTRY overrides the registry (a mirror).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import platform
import sys
import tarfile
import urllib.request

ARCHES = {"x86_64": "x64", "amd64": "x64", "aarch64": "aarch64", "arm64": "aarch64"}


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as answer:  # noqa: S310 (https registry)
        return bytes(answer.read())


def fetch(version: str, dest: str) -> None:
    registry = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
    machine = platform.machine().lower()
    if machine not in ARCHES:
        sys.exit(f"fetch_bun: no bun package for the machine {machine!r}")
    package = f"@oven/bun-linux-{ARCHES[machine]}"
    dist = json.loads(_get(f"{registry}/{package}/{version}"))["dist"]
    data = _get(dist["tarball"])
    algorithm, expected = dist["integrity"].split("-", 1)
    if base64.b64encode(hashlib.new(algorithm, data).digest()).decode() != expected:
        sys.exit(f"fetch_bun: {package}@{version} does not match the registry's {algorithm}")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        binary = tar.extractfile("package/bin/bun")
        if binary is None:
            sys.exit(f"fetch_bun: {package}@{version} has no package/bin/bun")
        content = binary.read()
    with open(dest, "wb") as out:
        out.write(content)
    os.chmod(dest, 0o755)  # noqa: S103 (an executable everyone may run)
    print(f"fetch_bun: {package}@{version} -> {dest}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: fetch_bun.py VERSION DEST")
    fetch(sys.argv[1], sys.argv[2])
