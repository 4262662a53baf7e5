"""Benchmarks and reliability runs for retinoid-ld (issues 9 and 11).

``python -m benchmarks`` measures build, validation, every saved query, export and
peak memory on synthetic findings at several sizes, next to the rdflib and pySHACL
baselines, and writes ``benchmarks/results.md``. ``python -m benchmarks.reliability``
runs the larger fuzz and load campaign and writes ``benchmarks/reliability.md``.
``benchmarks.generate`` writes the synthetic data (valid against the shapes, with an
optional share of injected faults and their ground truth).
"""
