"""`bench_follow.py --against`: check --follow on this tree against another, in the same minutes."""
