"""The built-in smoke flow: the engine end to end before any portal exists.

It serves a local site, logs in from every worker, visits one page per item in real Chromium,
keeps a masked screenshot as evidence, and exercises every item outcome through item modes.

    rpa run smoke --items 12 --workers 2
    rpa run smoke --modes ok,ok,business,system_once,fatal
"""

from flows.smoke.flow import SmokeFlow

__all__ = ["SmokeFlow"]
