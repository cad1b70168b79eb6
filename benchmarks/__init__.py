"""Benchmarks: `make bench` (short) or `make bench FULL=1`; see docs/benchmarks.md."""
