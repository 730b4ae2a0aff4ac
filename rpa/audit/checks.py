"""`rpa audit verify`: everything a run left, checked against the keyed chain and the run ledger.

For each run: the database chain (every MAC, link and the head), the ledger's final head and
item count against that chain, the run folder, the exported audit.jsonl (alone and against
the database and the ledger), every evidence file's SHA-256 as the chain recorded it (and no
evidence file the chain does not know), run.json there and its counts against the chain's,
every item counted as ended against its own outcome event in the chain, every ended item in
the queue against that event (`rpa.audit.item_checks`), every item the chain names still in
the queue and not reopened without a record (`rpa.audit.item_presence`), every output file
against the SHA-256 the chain recorded when it was written, every input row the chain
validated has its line in result.xlsx (`rpa.audit.output_checks`), and an export uploaded at
the console is the one the run read (`rpa.audit.input_checks`). The ledger itself is
verified first, in the database and in its append-only copy. `--all` takes every run the
database, either ledger or the runs folder (a folder with a run.json, as `rpa runs list`)
knows. Each finding is a short Chinese sentence; a run pruned on purpose is reported as 已清理,
not as tampering (its entry's time is checked: `rpa.audit.prune_checks`), and a folder found
again where one was pruned is checked as any run folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rpa.audit.chain import KIND_WORDS, AuditEvent, VerifyResult
from rpa.audit.evidence import EVIDENCE_SEALED, file_sha256, sealed_files
from rpa.audit.export import read_export
from rpa.audit.input_checks import check_kept_inputs
from rpa.audit.item_checks import (
    ENDED,
    QueuedItem,
    check_queue_items,
    check_seals,
    done_filings,
    last_outcomes,
    outcome_state,
)
from rpa.audit.item_presence import check_items_present
from rpa.audit.ledger import LEDGER, LedgerRun, known_runs
from rpa.audit.log import OUTSIDE_RUN, AuditLog
from rpa.audit.output_checks import check_outputs, check_result_rows
from rpa.audit.prune_checks import check_prune
from rpa.audit.report_lines import Report
from rpa.audit.run_json_checks import check_run_json, nonzero_counts
from rpa.outcomes import state_label

EXPORT_NAME = "audit.jsonl"
RUN_JSON = "run.json"
# a run's items in the queue, by run id (the caller's: the audit part does not import the queue)
QueueItems = Callable[[str], Sequence[QueuedItem]]


def describe(result: VerifyResult) -> str:
    """A chain's verification in Chinese, with the first bad seq and what happened to it."""
    if result.ok:
        return f"完整，已核对 {result.checked} 条事件"
    reason = result.reason or ""
    kind = KIND_WORDS.get(result.kind or "", "不符")
    where = f"第 {result.first_bad_seq} 条事件" if result.first_bad_seq is not None else "链"
    where = "的链头" if reason.startswith("链头") else where  # `head_problem`'s: the events are sound
    return f"{where}{kind}（{reason}），此前 {result.checked} 条事件核对无误"


def verify_ledger(audit: AuditLog) -> tuple[Report, dict[str, LedgerRun]]:
    """The ledger chain in the database and its copy; the runs it knows (from whichever is left)."""
    report = Report("运行账本")
    stored = audit.events(LEDGER)
    copy_path = audit.ledger_file
    copied: list[AuditEvent] = []
    if stored:
        result = audit.verify(LEDGER)
        (report.good if result.ok else report.bad)(f"数据库中的账本{describe(result)}")
    if copy_path is not None and copy_path.exists():
        copied, bad_line = read_export(copy_path)
        result = audit.verify_export(copy_path)
        if bad_line is None and result.ok:
            report.good(f"账本副本 {copy_path} {describe(result)}")
        else:
            report.bad(f"账本副本 {copy_path} {describe(result)}")
        if copied and not stored:
            report.bad(f"数据库中的账本被删除（副本记录了 {len(copied)} 条）")
    elif stored:
        report.bad(f"账本副本 {copy_path} 不存在（数据库账本有 {len(stored)} 条记录）")
    if not stored and not copied:
        report.good("尚无记录（账本启用前的运行只核对其审计链）")
    return report, known_runs(stored, copied)


def verify_run(audit: AuditLog, runs_dir: Path, run_id: str, ledger: LedgerRun | None,
               queue_items: QueueItems | None = None, now: datetime | None = None) -> Report:
    """Every check of one run; see the module docstring. `now`: when the check runs (a prune
    entry dated later is named, `rpa.audit.prune_checks`)."""
    report = Report("运行之外的操作（控制台等）" if run_id == OUTSIDE_RUN else f"运行 {run_id}")  # not 运行 -
    events = audit.events(run_id)
    pruned = ledger is not None and ledger.pruned is not None
    database_sound = True
    if events or run_id in audit.run_ids():
        result = audit.verify(run_id)
        database_sound = result.ok
        (report.good if result.ok else report.bad)(f"数据库审计链{describe(result)}")
    elif ledger is not None:
        report.bad("数据库中没有这次运行的审计链，但运行账本记录了它")
    else:
        report.bad("数据库和运行账本中都没有这次运行")
        report.unknown = not (runs_dir / run_id).is_dir()
        return report
    if ledger is not None and ledger.ended is not None:
        _against_ledger(report, "数据库审计链", events, ledger.ended)
    elif ledger is not None and not pruned:
        report.good("账本记录了开始，尚无结束记录（运行中或未正常结束）")
    elif run_id not in (OUTSIDE_RUN,):
        report.good("运行账本中没有这次运行（账本启用前的运行）")
    filings = None  # what result.xlsx's 备案编号 must read
    if queue_items is not None and not pruned:
        queued = queue_items(run_id)
        check_queue_items(report, audit, events, queued)
        check_seals(report, audit, queued)
        check_items_present(report, audit, events, queued)
        filings = done_filings(audit, events, queued)
    folder = runs_dir / run_id
    pruned_at = ledger.pruned_at if ledger is not None else ""
    if pruned and ledger is not None:
        check_prune(report, ledger, events, now or datetime.now(UTC))
    if pruned and not folder.is_dir():
        report.good(f"运行文件夹已清理（账本于 {pruned_at} 记录了清理）")
        return report
    if pruned:  # put back (a backup, or a forgery): its files answer to the chain like any run's
        report.good(f"运行文件夹已于 {pruned_at} 清理，现又出现：按审计链核对其中的文件")
    elif not folder.is_dir():
        if ledger is not None:
            report.bad(f"运行文件夹 {folder} 不存在，账本中没有清理记录")
        return report
    _check_export(audit, report, folder, ledger, events, database_sound)
    _check_evidence(report, folder, events)
    _check_counts(report, folder, events)
    check_outputs(report, folder, events, audit.keyed_digest)
    check_result_rows(report, folder, events, filings)
    check_kept_inputs(report, folder, events, audit.ref_of)
    return report


def _against_ledger(report: Report, what: str, events: list[AuditEvent], ended: dict[str, Any]) -> None:
    last_seq, last_hash = ended.get("last_seq"), ended.get("last_hash")
    if not isinstance(last_seq, int) or not isinstance(last_hash, str):
        report.bad("账本的结束记录缺少链头")
        return
    by_seq = {event.seq: event for event in events}
    last_now = max(by_seq, default=0)
    if last_now < last_seq:
        report.bad(f"{what}被截短：账本记录结束时有 {last_seq} 条事件，现只有 {len(events)} 条")
    elif last_seq and last_seq not in by_seq:  # a gap the chain's own check names
        report.bad(f"{what}中没有账本记录的链头（第 {last_seq} 条事件）")
    elif last_seq and by_seq[last_seq].hash != last_hash:
        report.bad(f"{what}第 {last_seq} 条事件与账本记录的链头不符")
    else:
        report.good(f"{what}与账本记录的链头一致（第 {last_seq} 条事件）")


def _check_export(
    audit: AuditLog,
    report: Report,
    folder: Path,
    ledger: LedgerRun | None,
    events: list[AuditEvent],
    database_sound: bool,
) -> None:
    export = folder / EXPORT_NAME
    if not export.exists():
        if ledger is not None and ledger.ended is not None:
            report.bad(f"{EXPORT_NAME} 不存在（运行结束时已导出）")
        return
    result = audit.verify_export(export)
    if not result.ok and not database_sound:
        # the database chain failed its own check: an export whose every MAC and link holds under
        # the key is the intact copy, and where the two differ the database was changed, not it
        alone = audit.verify_export(export, against_database=False)
        if alone.ok:
            report.good(f"{EXPORT_NAME} {describe(alone)}（与数据库审计链不同之处是数据库一侧被改动，见上）")
            result = alone
        else:
            report.bad(f"{EXPORT_NAME} {describe(result)}")
    else:
        (report.good if result.ok else report.bad)(f"{EXPORT_NAME} {describe(result)}")
    if ledger is not None and ledger.ended is not None and result.ok:
        exported, _ = read_export(export)
        _against_ledger(report, f"{EXPORT_NAME} ", exported, ledger.ended)


def _check_evidence(report: Report, folder: Path, events: list[AuditEvent]) -> None:
    recorded: dict[str, str] = {}
    problems = 0
    for event in events:
        evidence, digest = event.details.get("evidence"), event.details.get("evidence_sha256")
        if isinstance(evidence, str) and isinstance(digest, str):
            recorded[evidence] = digest
        elif isinstance(evidence, str) and evidence and "evidence_sha256" in event.details:
            report.bad(f"证据文件 {evidence} 在第 {event.seq} 条事件写入时就读不到")
            problems += 1
        if event.event == EVIDENCE_SEALED:
            for entry in event.details.get("files") or []:
                if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                    recorded[entry["file"]] = str(entry.get("file_sha256"))
    sealed = any(event.event == EVIDENCE_SEALED for event in events)
    for name, digest in sorted(recorded.items()):
        path = folder / name
        if not path.is_file():
            report.bad(f"证据文件 {name} 不存在")
            problems += 1
        elif file_sha256(path) != digest:
            report.bad(f"证据文件 {name} 的 SHA-256 与审计链记录的不同（文件被替换或修改）")
            problems += 1
    on_disk = {path.relative_to(folder).as_posix() for path in sealed_files(folder)}
    for name in sorted(on_disk - set(recorded)) if sealed else []:
        report.bad(f"证据文件 {name} 不在审计链中（事后加入）")
        problems += 1
    if recorded and not problems:
        report.good(f"{len(recorded)} 个证据文件的 SHA-256 与审计链一致")


def _check_counts(report: Report, folder: Path, events: list[AuditEvent]) -> None:
    """run.json is there (it is written just after run.started) and says what the chain says
    (`rpa.audit.run_json_checks`); every item counted as ended has its outcome event."""
    finished = [event for event in events if event.event == "run.finished"]
    chain_counts = nonzero_counts(finished[-1].details.get("counts")) if finished else {}
    if not (folder / RUN_JSON).exists():
        if len(events) > 1:  # a run past its first event has one
            report.bad(f"{RUN_JSON} 不存在（审计链记录了这次运行的 {len(events)} 条事件；"
                       "rpa runs list 和控制台因此不再列出它）")
    elif events:
        check_run_json(report, folder, events)
    if finished:
        _check_items(report, events, chain_counts)


def _check_items(report: Report, events: list[AuditEvent], chain_counts: dict[str, int]) -> None:
    """Every item the close counted as ended has its own outcome event in the chain."""
    last = [outcome_state(event) for event in last_outcomes(events).values()]
    from_events = {state: sum(1 for s in last if s == state) for state in ENDED}
    differing = [
        f"{state_label(state)}：结束计数 {chain_counts.get(state, 0)}，逐项事件 {from_events.get(state, 0)}"
        for state in ENDED
        if chain_counts.get(state, 0) != from_events.get(state, 0)
    ]
    if differing:
        report.bad(f"审计链中的逐项结果与结束计数不符：{'；'.join(differing)}")
    else:
        report.good(f"每个已结束的项目在审计链中都有其结果事件（{sum(from_events.values())} 项）")


def verify_runs(
    audit: AuditLog, runs_dir: Path, run_id: str | None, queue_items: QueueItems | None = None
) -> list[Report]:
    """The ledger's report, then one per run: the named one, or every run the database or the
    ledger knows (`run_id` None). With `queue_items`, each run's ended items in the queue are
    checked against the chain too."""
    ledger_report, ledger = verify_ledger(audit)
    every = sorted((set(audit.run_ids()) | set(ledger) | set(_run_folders(runs_dir))) - {LEDGER})
    targets = [run_id] if run_id is not None else every
    checked = [_guarded(audit, runs_dir, target, ledger.get(target), queue_items) for target in targets]
    return [ledger_report, *checked]


def traces_without_database(audit: AuditLog, runs_dir: Path) -> str:
    """What says runs took place when the database has no audit tables: the ledger's copy and
    run folders, in words ("" when there is neither)."""
    found = []
    if audit.ledger_file is not None and audit.ledger_file.is_file():
        copied, _bad_line = read_export(audit.ledger_file)
        found.append(f"运行账本副本 {audit.ledger_file} 记录了 {len(known_runs([], copied))} 次运行")
    folders = _run_folders(runs_dir)
    if folders:
        found.append(f"运行文件夹 {runs_dir} 中有 {len(folders)} 次运行")
    return "，".join(found)


def _run_folders(runs_dir: Path) -> list[str]:
    """The folders `rpa runs list` and the console show as runs: those holding a run.json."""
    if not runs_dir.is_dir():
        return []
    return [path.name for path in runs_dir.iterdir() if path.is_dir() and (path / RUN_JSON).is_file()]


def _guarded(
    audit: AuditLog, runs_dir: Path, run_id: str, ledger: LedgerRun | None, queue_items: QueueItems | None
) -> Report:
    """`verify_run`, with anything it did not foresee in a run's files named as that run's
    【不符】: one damaged run never keeps `--all` from checking the others."""
    try:
        return verify_run(audit, runs_dir, run_id, ledger, queue_items)
    except (OSError, ValueError, KeyError, TypeError, LookupError, SyntaxError) as exc:
        report = Report(f"运行 {run_id}")
        report.bad(f"核对中断：运行的文件无法按预期读取（{type(exc).__name__}），请检查运行文件夹")
        return report
