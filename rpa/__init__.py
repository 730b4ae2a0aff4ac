"""The engine of the bank back-office RPA suite.

It knows nothing of any one portal. Its parts are packages: `cli/` (the `rpa` command), `run/`
(runs, orchestration, workers and the item loop), `queue/` (work items under leases), `audit/`
(keyed hash chains, the run ledger), `schedule/` (unattended runs) and `browser/` (Chromium,
selectors, evidence), standing on the shared base at this level: settings, db, errors, masking,
logs, outcomes. Bots live in `bots/`, business flows in `flows/`; docs/ARCHITECTURE.md draws the
map. The packages' `__init__` files import nothing, so importing one module never imports the rest.
"""

__version__ = "0.1.0"
