"""The durable work queue: items, leases with fencing tokens, order groups, reads."""
