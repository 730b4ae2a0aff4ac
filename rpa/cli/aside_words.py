"""What a clerk is told of the input rows a run put aside while validating (they never became
queue items, so no count of items holds them): by `rpa runs show`, and by an `--enqueue-only`
run, whose rows may all have been put aside (tester AQ of 2026-12-07: it said 待办 0 项 and asked
for workers, the two rows 需人工处理 unsaid)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rpa.run.runs import RunOutcome
    from rpa.settings import Settings


def aside_words(cfg: Settings, run_id: str, see: str = "见 result.xlsx") -> str:
    """The input rows the run put aside while validating, by outcome (none: "")."""
    from rpa.alerts.aside_by_hand import approved_by_hand
    from rpa.alerts.findings import put_aside_rows
    from rpa.casework.words import FILED_BY_HAND
    from rpa.outcomes import outcome_label

    found: dict[str, int] = {}
    done = approved_by_hand(cfg, run_id)
    for row in put_aside_rows(cfg, run_id):
        word = outcome_label(FILED_BY_HAND if (row.sheet, row.row) in done else row.status)
        found[word] = found.get(word, 0) + 1
    listed = "，".join(f"{word} {n} 行" for word, n in found.items())
    return f"{listed}（未成为事项，不在计数中；{see}）" if found else ""


def by_hand_lines(cfg: Settings, run_id: str) -> list[str]:
    """Each row put aside that a checker approved as filed by hand: where, its number, who."""
    from rpa.alerts.aside_by_hand import approved_by_hand

    lines = []
    for (sheet, row), mark in sorted(approved_by_hand(cfg, run_id).items()):
        where = f"；{mark.elsewhere}的标记" if mark.elsewhere else ""
        lines.append(f"{sheet} 第 {row} 行，备案编号 {mark.filing_no}（{mark.who}{where}）")
    return lines


def enqueued_words(cfg: Settings, flow: str, outcome: RunOutcome) -> str:
    """An `--enqueue-only` run's line: what it queued, what it put aside, and what to type next
    (no worker when nothing was queued)."""
    run_id = outcome.run_id
    pending = outcome.counts.get("pending", 0) + outcome.counts.get("leased", 0)
    aside = aside_words(cfg, run_id, see=f"见 rpa cases list {run_id}")
    said = f"运行 {run_id}：已加入队列，待办 {pending} 项" + (f"；校验时搁置：{aside}" if aside else "")
    if pending == 0:
        return (f"{said}；没有要办理的事项，不必启动 rpa worker：搁置的行处理后用 rpa run {flow} --resume "
                f"{run_id} 续跑并写出结果")
    return (f"{said}，本命令不办理：请在各主机上用 rpa worker --flow {flow} 办理，办完后用 rpa run {flow} "
            f"--resume {run_id} 写出结果")
