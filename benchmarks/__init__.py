"""Benchmarks: one script per figure the README quotes. `python -m benchmarks` runs them all."""
