"""Benchmarks run by hand against the real stack (not part of the test suite)."""
