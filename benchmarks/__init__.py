"""Benchmarks of mock-doitong against the bare stack; run `python -m benchmarks`."""
