"""Runs: folders and run.json, orchestration, the supervisor, worker processes and the item loop,
the flow interface, the run report."""
