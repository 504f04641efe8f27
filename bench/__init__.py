"""Benchmarks: each compares two things measured in the same run and prints one line.

Run them with `make bench` (PostgreSQL only). See docs/performance.md.
"""
