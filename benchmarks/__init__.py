"""Benchmarks: each compares Goodwill against a baseline run in the same process run."""
