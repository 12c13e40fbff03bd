"""Parts of `bench_analysis` kept apart (`small_runs`: the fixed cost of a small run, and of a live
log's updates)."""
