"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import os
import platform
import statistics


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(
        f"{name:<44} n={len(ms):<4} p50={statistics.median(ms):8.1f} ms"
        f"  p95={p95:8.1f} ms  max={ms[-1]:8.1f} ms"
    )
