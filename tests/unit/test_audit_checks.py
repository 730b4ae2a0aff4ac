"""`rpa audit verify`'s run checks on hand-made chains: counts against per-item outcomes, the ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rpa.audit.checks import verify_runs
from rpa.audit.log import AuditLog

KEY = b"unit-test-audit-key-checks-0123456789"
RUN = "20261130-101500-account-filing-0a1b2c"


def _run(tmp_path: Path, counts: dict[str, int], outcomes: list[tuple[str, str, dict[str, str]]],
         aside: dict[str, int] | None = None, aside_in_file: dict[str, int] | None = None) -> AuditLog:
    """A finished run: its folder with run.json, its chain and its ledger entries; `aside` the
    rows put aside its `run.finished` records (none: a chain from before 2026-12-08)."""
    log = AuditLog(f"sqlite:///{tmp_path / 'queue.db'}", KEY, ledger_file=tmp_path / "keys" / "ledger.jsonl")
    log.create_schema()
    folder = tmp_path / "runs" / RUN
    folder.mkdir(parents=True)
    log.append(RUN, "run", "run.started")
    log.ledger_started(RUN)
    for key, event, details in outcomes:
        log.append(RUN, "w1", event, item_key=key, details=details)
    log.seal_files(RUN, folder)
    recorded = {"counts": counts, **({"aside": aside} if aside is not None else {})}
    log.append(RUN, "run", "run.finished", details=recorded)
    log.export(RUN, folder / "audit.jsonl")
    log.ledger_ended(RUN, counts)
    in_file = aside if aside_in_file is None else aside_in_file
    (folder / "run.json").write_text(json.dumps({"run_id": RUN, "counts": counts, "aside": in_file or {}}))
    return log


@pytest.mark.parametrize(("in_chain", "in_file", "told"), [
    ({"invalid": 1}, {}, "（无）与审计链第 4 条事件记录的（无效，未报备 1 行）不同"),
    ({"invalid": 1, "needs_person": 2}, {"invalid": 1, "needs_person": 1},
     "（无效，未报备 1 行；需人工处理 1 行）与审计链第 4 条事件记录的"
     "（无效，未报备 1 行；需人工处理 2 行）不同"),
    ({}, {"needs_person": 1}, "（需人工处理 1 行）与审计链第 4 条事件记录的（无）不同"),
])
def test_rows_put_aside_in_run_json_are_held_to_the_chain(
    tmp_path: Path, in_chain: dict[str, int], in_file: dict[str, int], told: str
) -> None:
    """`rpa runs list` reads run.json's `aside`: an emptied one hid the rows put aside (tester BM F20)."""
    log = _run(tmp_path, {"done": 1}, [("6222020200112233445", "item.done", {})], in_chain, in_file)
    ok, text = _lines(log, tmp_path)
    assert not ok and f"运行 {RUN}：【不符】run.json 记录的校验时搁置的行{told}" in text


def test_rows_put_aside_as_the_chain_has_them_pass_and_an_older_chain_is_not_held_to_them(
    tmp_path: Path,
) -> None:
    done = [("6222020200112233445", "item.done", {})]
    log = _run(tmp_path, {"done": 1}, done, {"invalid": 1, "needs_person": 0})
    ok, text = _lines(log, tmp_path)
    assert ok, text
    older = tmp_path / "older"
    log = _run(older, {"done": 1}, done, None, {"invalid": 3})
    ok, text = _lines(log, older)
    assert ok, text


def _lines(log: AuditLog, tmp_path: Path) -> tuple[bool, str]:
    reports = verify_runs(log, tmp_path / "runs", None)
    return all(r.ok for r in reports), "\n".join(line for r in reports for line in r.lines)


def test_an_item_counted_ended_without_its_outcome_event_is_named(tmp_path: Path) -> None:
    outcomes = [
        ("6222020200112233445", "item.done", {}),
        ("6222020200112239999", "item.system_error", {"next_state": "pending"}),
    ]
    log = _run(tmp_path, {"done": 2, "failed": 0}, outcomes)
    ok, text = _lines(log, tmp_path)
    assert not ok
    assert f"运行 {RUN}：【不符】审计链中的逐项结果与结束计数不符：已完成：结束计数 2，逐项事件 1" in text


def test_a_retried_item_counts_by_its_last_outcome(tmp_path: Path) -> None:
    outcomes = [
        ("6222020200112233445", "item.done", {}),
        ("6222020200112239999", "item.system_error", {"next_state": "pending"}),
        ("6222020200112239999", "item.system_error", {"next_state": "failed"}),
        ("6222020200112230000", "item.business_error", {}),
        ("6222020200112230000", "item.done", {}),  # put back by `rpa runs retry`, then filed
    ]
    log = _run(tmp_path, {"done": 2, "failed": 1, "pending": 0}, outcomes)
    ok, text = _lines(log, tmp_path)
    assert ok, text
    assert "每个已结束的项目在审计链中都有其结果事件（3 项）" in text
    assert f"运行 {RUN}：数据库审计链与账本记录的链头一致" in text


def test_each_database_has_its_own_ledger_copy_next_to_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rpa.settings import Settings

    key_file = tmp_path / "keys" / "audit.key"
    monkeypatch.chdir(tmp_path)
    first = Settings(runs_dir=Path("runs"), audit_key_file=key_file).ledger_path()
    same = Settings(runs_dir=tmp_path / "runs", audit_key_file=key_file).ledger_path()
    demo_dir = tmp_path / "runs" / "demo-20261130-101500"
    demo = Settings(runs_dir=demo_dir, audit_key_file=key_file).ledger_path()
    shared = Settings(database_url="postgresql+psycopg://rpa:secret-1@db-host/rpa", audit_key_file=key_file)
    rotated = Settings(database_url="postgresql+psycopg://rpa:secret-2@db-host/rpa", audit_key_file=key_file)
    assert first == same and first.parent == key_file.parent and first.name.startswith("ledger-")
    assert demo != first
    assert shared.ledger_path() == rotated.ledger_path() != first
    pinned = Settings(ledger_file=tmp_path / "audit" / "ledger.jsonl", audit_key_file=key_file)
    assert pinned.ledger_path() == tmp_path / "audit" / "ledger.jsonl"


def test_a_ledger_copy_that_cannot_be_written_is_a_clear_error_and_is_caught_up_later(
    tmp_path: Path,
) -> None:
    from rpa.errors import ConfigError

    (tmp_path / "not-a-folder").write_text("x")
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    blocked = AuditLog(url, KEY, ledger_file=tmp_path / "not-a-folder" / "ledger.jsonl")
    blocked.create_schema()
    with pytest.raises(ConfigError, match=r"运行账本副本 .* 写不进去"):
        blocked.ledger_started("R-1")
    copy = tmp_path / "keys" / "ledger.jsonl"
    AuditLog(url, KEY, ledger_file=copy).ledger_started("R-2")
    assert [json.loads(line)["details"]["run"] for line in copy.read_text().splitlines()] == ["R-1", "R-2"]


def test_an_evidence_file_named_but_unreadable_when_recorded_is_named(tmp_path: Path) -> None:
    log = _run(tmp_path, {"done": 0}, [])
    folder = tmp_path / "runs" / RUN
    event = log.append(RUN, "w1", "item.note", details={"evidence": "evidence/9f00aa.png"}, files_root=folder)
    assert event.details["evidence_sha256"] is None
    ok, text = _lines(log, tmp_path)
    assert not ok and f"证据文件 evidence/9f00aa.png 在第 {event.seq} 条事件写入时就读不到" in text


def _book(path: Path, header: list[str], rows: list[list[object]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


# the close's record of result.xlsx written (check_result_rows holds the rows of such a start)
WROTE_RESULT = {"files": [{"file": "result.xlsx", "file_sha256": "0" * 64}]}


def test_every_validated_input_row_must_have_its_line_in_the_result_book(tmp_path: Path) -> None:
    log = AuditLog(f"sqlite:///{tmp_path / 'queue.db'}", KEY, ledger_file=tmp_path / "keys" / "ledger.jsonl")
    log.create_schema()
    folder = tmp_path / "runs" / RUN
    folder.mkdir(parents=True)
    for row in (2, 3, 4):
        log.append(RUN, "run", "row.validated", details={"sheet": "开户", "row": row, "status": "valid"})
    log.append(RUN, "run", "run.finished", details={"counts": {}})
    log.append(RUN, "run", "outputs.written", details=WROTE_RESULT)  # as a run's close records it
    header = ["行号", "业务类型", "账号", "状态"]
    filed = [[2, "开户", "***3445", "已备案"], [4, "变更", "***9999", "已备案"]]
    _book(folder / "result.xlsx", header, filed)
    ok, text = _lines(log, tmp_path)
    assert not ok and "result.xlsx 缺少审计链记录的输入第 3 行" in text

    _book(folder / "result.xlsx", header, [[n, "开户", "", "已备案"] for n in (4, 3, 2)])
    ok, text = _lines(log, tmp_path)
    assert "审计链记录的 3 个输入行都在 result.xlsx 中" in text

    _book(folder / "result.xlsx", ["账号", "状态"], [["***3445", "已备案"]])
    ok, text = _lines(log, tmp_path)
    assert not ok and "result.xlsx 第 1 行没有“行号”列" in text


def test_a_resumed_run_counts_the_rows_of_its_last_validation(tmp_path: Path) -> None:
    """A resume validates the input again (a run set for approval is resumed after each
    checker's decision): the rows are those of the last validation, not every one added up."""
    log = AuditLog(f"sqlite:///{tmp_path / 'queue.db'}", KEY, ledger_file=tmp_path / "keys" / "ledger.jsonl")
    log.create_schema()
    folder = tmp_path / "runs" / RUN
    folder.mkdir(parents=True)
    log.append(RUN, "run", "run.started")
    for _ in range(2):
        for row in (2, 3):
            log.append(RUN, "run", "row.validated", details={"sheet": "开户", "row": row, "status": "valid"})
        log.append(RUN, "run", "run.finished", details={"counts": {}})
        log.append(RUN, "run", "outputs.written", details=WROTE_RESULT)
        log.append(RUN, "run", "run.resumed")
    log.append(RUN, "run", "run.finished", details={"counts": {}})  # a resume that stopped early
    _book(folder / "result.xlsx", ["行号", "状态"], [[2, "已报备"], [3, "待复核"]])
    ok, text = _lines(log, tmp_path)
    assert "审计链记录的 2 个输入行都在 result.xlsx 中" in text, text

    _book(folder / "result.xlsx", ["行号", "状态"], [[2, "已报备"]])
    ok, text = _lines(log, tmp_path)
    assert not ok and "result.xlsx 缺少审计链记录的输入第 3 行" in text, text
