"""Rows another run holds: done by it, left to it while it lives, or taken over from it.

A row's item key is the same in every run, so a run given rows an earlier run enqueued finds
that run's items. Each such row is one of:

- done by that run: reported as 已由运行 X 办结 (counts as done);
- ended there otherwise (refused, held, failed): reported with that run's outcome; not done;
- open (pending or leased) in a run that still lives: left to it, reported as 由运行 X 办理中
  with the run's state; not done: this run's exit code is not 0 while any is;
- open in a run that will not work it (it ended, or its process is gone, or, for a run on
  another host, none of its items has moved for two lease lengths): taken over into this run
  (`WorkQueue.take_over`), `item.taken_over` recorded in both runs' audit chains, and worked here;
  the other run's `audit.jsonl`, if it exported one, is exported again with those events.

    seen = settle_other_runs(ctx, "account-filing", keys)   # work="核查" for the check flow's rows
    seen.taken_over        # {"20261201-...": 3}
    seen.warnings          # what the terminal must show
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from rpa.approvals.words import AWAITING_CODE, REJECTED_CODE
from rpa.queue.work_queue import ItemState, NewItem, WorkItem
from rpa.run.owners import STATE_LABELS, RunOwners, RunState

if TYPE_CHECKING:
    from rpa.run.runs import RunContext

OPEN = (ItemState.PENDING, ItemState.LEASED)
QUIET_LEASES = 2  # a run on another host whose items have not moved for this many lease lengths is gone


@dataclass
class OtherRuns:
    """What prepare() found of rows other runs hold, by run id."""

    done: Counter[str] = field(default_factory=Counter)
    ended: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)  # a checker's 复核退回 there: final
    awaiting: Counter[str] = field(default_factory=Counter)  # 待复核 there: its checker decides
    open: Counter[str] = field(default_factory=Counter)
    taken_over: Counter[str] = field(default_factory=Counter)
    redone: Counter[str] = field(default_factory=Counter)  # ended there, worked again here (`redo`)
    states: dict[str, RunState] = field(default_factory=dict)
    work: str = "报备"  # what the flow does to a row, in the lines a clerk reads
    flow: str = "account-filing"  # the command that resumes the other run

    @property
    def notes(self) -> list[str]:
        work = self.work
        return [f"{rows} 行运行 {run} 已{work}过：本批次重新{work}" for run, rows in self.redone.items()]

    @property
    def warnings(self) -> list[str]:
        """Shown on the terminal: rows done by another run too (tester AH: a clerk who ran
        yesterday's export again read only 有事项需要处理, nothing of its rows being filed)."""
        lines = [f"{rows} 行已由运行 {run} 办结：不再{self.work}" for run, rows in self.done.items()]
        lines += [self._left_open(run, rows) for run, rows in self.open.items()]
        lines += [f"{rows} 行已由运行 {run} 办理但未办结（门户拒绝、需人工处理或失败）：见 result.xlsx，"
                  f"可用 `rpa runs retry {run}` 重试" for run, rows in self.ended.items()]
        lines += [f"{rows} 行已由运行 {run} 的复核人退回（复核退回）：不再{self.work}；如仍须{self.work}，"
                  "请改正导出后重新运行" for run, rows in self.rejected.items()]
        lines += [f"{rows} 行在运行 {run} 中待复核：本批次不{self.work}，复核人用 rpa approvals list 查看，"
                  "批准后即报备" for run, rows in self.awaiting.items()]
        lines += [f"{rows} 行原由运行 {run} 持有，该运行{STATE_LABELS[self.states.get(run, 'unknown')]}："
                  "已由本批次接手办理" for run, rows in self.taken_over.items()]
        return lines


    def _left_open(self, run: str, rows: int) -> str:
        """Rows left to `run`: it lives, or (tester Q's Q2) its process is gone while its workers'
        leases still run (they may still be working, e.g. right after a kill -9 of the run's own
        process): then which command finishes them, not a word that they are being worked."""
        state = self.states.get(run, "unknown")
        if state == "running":
            return (f"{rows} 行由运行 {run} 办理中（{STATE_LABELS[state]}）：本批次不重复{self.work}；"
                    "这些行办结之前本批次不以 0 退出")
        return (f"{rows} 行由运行 {run} 的工作进程领取，租约未到期（该运行{STATE_LABELS[state]}，其工作进程"
                f"可能仍在{self.work}）：本批次不重复{self.work}；请用 rpa run {self.flow} --resume {run} "
                "续跑该运行，租约到期后办完这些行")


def run_state(ctx: RunContext, run_id: str, owners: RunOwners) -> RunState:
    """Whether `run_id` still lives: its owner record, else (another host, or a run from before
    owners were recorded) whether any of its items moved in the last two lease lengths."""
    state = owners.state(run_id)
    if state != "unknown":
        return state
    last = ctx.queue.last_activity(run_id)
    quiet = timedelta(seconds=ctx.settings.lease_seconds * QUIET_LEASES)
    return "running" if last is not None and datetime.now(UTC) - last < quiet else "gone"


def settle_other_runs(ctx: RunContext, flow: str, keys: Sequence[str], *, work: str = "报备",
                      redo: Sequence[NewItem] | None = None) -> OtherRuns:
    """Sort the rows other runs hold (see the module docstring); takes over those of runs that
    will not work them. `work`: what the flow does to a row (报备, 核查), for the terminal's lines.
    `redo` (a flow that only reads a portal: its new items): rows another run ended, done or
    not, are worked again here with these payloads (`WorkQueue.redo`), never reported as done."""
    found = OtherRuns(work=work, flow=flow)
    held: dict[str, list[WorkItem]] = defaultdict(list)
    for item in ctx.queue.find_by_keys(flow, keys).values():
        if item.run_id != ctx.run_id:
            held[item.run_id].append(item)
    owners = RunOwners.from_settings(ctx.settings)
    for run, its in held.items():
        if redo is not None:
            payloads = {entry.key: entry.payload for entry in redo}
            ended = {i.id: payloads[i.key] for i in its if i.state not in OPEN and i.key in payloads}
            redone = set(ctx.queue.redo(run, ctx.run_id, ended))
            for item in (i for i in its if i.id in redone):
                ctx.audit.append(run, "run", "item.taken_over", item_key=item.key,
                                 details={"by_run": ctx.run_id, "redo": True})
                ctx.record("item.taken_over", item_key=item.key, from_run=run, redo=True)
                found.redone[run] += 1
            its = [i for i in its if i.state in OPEN]
        found.done[run] += sum(1 for item in its if item.state == ItemState.DONE)
        found.ended[run] += sum(1 for item in its if item.state not in (*OPEN, ItemState.DONE)
                                and item.last_error_code not in (REJECTED_CODE, AWAITING_CODE))
        if awaiting := sum(1 for item in its if item.state == ItemState.HELD
                           and item.last_error_code == AWAITING_CODE):  # tester AJ: not 可用 runs retry
            found.awaiting[run] += awaiting
        if rejected := sum(1 for item in its if item.last_error_code == REJECTED_CODE):
            found.rejected[run] += rejected
        open_items = [item for item in its if item.state in OPEN]
        if not open_items:
            continue
        state = found.states[run] = run_state(ctx, run, owners)
        moved: set[int] = set()
        if state != "running":
            moved = set(ctx.queue.take_over([i.id for i in open_items], run, ctx.run_id))
        for item in open_items:
            if item.id in moved:
                ctx.audit.append(run, "run", "item.taken_over", item_key=item.key,
                                 details={"by_run": ctx.run_id, "run_state": state})
                ctx.record("item.taken_over", item_key=item.key, from_run=run, run_state=state)
                found.taken_over[run] += 1
            else:  # its run lives, or its worker's lease has not run out yet
                found.open[run] += 1
    for counter in (found.done, found.ended):
        for run in [run for run, rows in counter.items() if not rows]:
            del counter[run]
    for run in {*found.redone, *found.taken_over}:  # its chain grew: an export it made is stale
        exported = ctx.settings.runs_dir / run / "audit.jsonl"
        if exported.exists():
            ctx.audit.export(run, exported)
    return found


def held_elsewhere_note(item: WorkItem, state: RunState | None) -> str:
    """What result.xlsx says of a row another run's item holds."""
    run = item.run_id
    if item.state == ItemState.DONE:
        return f"已由运行 {run} 办结"
    if item.state == ItemState.LEASED and state in ("gone", "ended"):  # its worker's lease still runs
        return (f"由运行 {run} 的工作进程领取，租约未到期（该运行{STATE_LABELS[state]}）："
                f"请用 rpa run {item.flow} --resume {run} 续跑该运行办完此行")
    if item.state in OPEN:
        return f"由运行 {run} 办理中（{STATE_LABELS[state or 'unknown']}）"
    return f"由运行 {run} 办理，未办结"
