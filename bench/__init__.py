"""Benchmarks: `make bench` (or `python -m bench [name ...]`).

Each module ``bench/<name>.py`` defines ``main(argv: list[str]) -> int | None`` and prints
its results as a table together with the conditions (machine, versions, sizes); a non-zero
return means its own correctness check failed, and ``python -m bench`` then exits 1.
Speed is measured here, never asserted in tests.
"""
