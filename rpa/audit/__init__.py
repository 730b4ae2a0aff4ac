"""The audit chain: keyed hash chains per run, the run ledger, export, verify and prune."""
