"""`rpa demo`: the mock portals up as a process, both bots on the sample inputs.

The demo uses only what a newcomer's checkout has: the sample export
(fixtures/inputs/accounts.xlsx), the AMS seed of filings that already exist
(fixtures/inputs/ams_seed.json), and the mock portals' test operators.
"""

from flows.demo.run import DEMO_REPORT_DATE, run_demo

__all__ = ["DEMO_REPORT_DATE", "run_demo"]
