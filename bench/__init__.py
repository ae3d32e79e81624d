"""Benchmarks: each prints its figures; results are recorded in README with the machine."""
