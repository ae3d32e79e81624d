"""Run every benchmark: ``make bench`` (or ``python -m bench``)."""

from __future__ import annotations

import asyncio

from bench import bench_auth, bench_connect


def main() -> None:
    bench_auth.main()
    asyncio.run(bench_connect.main())


if __name__ == "__main__":
    main()
