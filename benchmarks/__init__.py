"""Benchmarks: speed measured side by side with the reference tool each issue names, reported as ratios.

Run with `make bench` (python -m benchmarks). Absolute times on shared machines are noise; ratios measured
in one run, interleaved, are what we quote.
"""
