"""What a log-in costs on the server: the argon2id check dominates, by design."""

from __future__ import annotations

import time

from archive_app.services.auth import hash_password, verify_password
from bench.common import machine, report


def main(rounds: int = 20) -> None:
    print(f"# auth ({machine()})")
    hashed = hash_password("benchmark-password")
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert verify_password(hashed, "benchmark-password")
        timings.append(time.perf_counter() - start)
    report("argon2id password check (one log-in)", timings)


if __name__ == "__main__":
    main()
