"""Benchmarks: `make bench` (or `python -m bench [name ...]`).

Each module ``bench/<name>.py`` defines ``main(argv: list[str]) -> None`` and prints
its results as a table together with the conditions (machine, versions, sizes).
Speed is measured here, never asserted in tests.
"""
