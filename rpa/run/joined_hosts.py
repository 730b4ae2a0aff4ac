"""The hosts still working a run, waited for before the run closes.

A host that joins a run (`rpa worker`, `rpa.run.host_workers`) records `host.joined` in the
run's audit chain, and `host.left` once its workers have ended, after their last events
(logouts). The run's own supervisor may reach its close while such a host's workers are still
ending (nothing is open any more, but their last events are not written yet): the close would
export audit.jsonl and seal the chain with `run.finished`, and the host's later events would
leave the export short of the database's chain, so `rpa audit verify` would fail the run. The
close therefore waits until every joined host has left, at most RPA_LEASE_SECONDS (a host that
died leaves nothing behind it after that: its leases have expired).

    waiting = hosts_still_in(ctx)        # host ids joined and not left
    wait_for_joined_hosts(ctx)           # before the close seals the chain
"""

from __future__ import annotations

import time
from collections import Counter

from rpa.run.runs import RunContext

POLL_SECONDS = 0.5


def hosts_still_in(ctx: RunContext) -> list[str]:
    """The hosts that joined the run and have not left it (a host may join more than once)."""
    joined: Counter[str] = Counter()
    for event in ctx.audit.events(ctx.run_id):
        if event.event == "host.joined":
            joined[str(event.details.get("host"))] += 1
        elif event.event == "host.left":
            joined[str(event.details.get("host"))] -= 1
    return sorted(host for host, n in joined.items() if n > 0)


def wait_for_joined_hosts(ctx: RunContext) -> list[str]:
    """Wait until no joined host is still in the run, at most RPA_LEASE_SECONDS; the hosts that
    had not left by then (their later events, if any, would need `rpa audit export`)."""
    deadline = time.monotonic() + ctx.settings.lease_seconds
    waiting = hosts_still_in(ctx)
    if waiting:
        ctx.log.info(f"等待其他主机的工作进程结束后再结束运行：{'、'.join(waiting)}")
    while waiting and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        waiting = hosts_still_in(ctx)
    if waiting:
        ctx.log.warning(f"主机 {'、'.join(waiting)} 在 {ctx.settings.lease_seconds:g} 秒内未退出本运行，"
                        "不再等待")
    return waiting
