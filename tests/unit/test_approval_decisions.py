"""rpa.approvals.decisions on a real SQLite queue and audit chain: who may decide, which rows a
decision takes, and what it leaves in the queue and the chain. The held items are made by hand
as the filing handler leaves them (held, code awaiting_approval, a review in the result)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from rpa.approvals.decisions import approve, reject, waiting
from rpa.audit.log import AuditLog
from rpa.cli.main import app
from rpa.errors import UsageError
from rpa.people import os_user
from rpa.queue.work_queue import ItemState, NewItem, WorkQueue
from rpa.run.report_approvals import approval_entries
from rpa.settings import Settings

RUN = "20261201-093000-account-filing-5e6f70"
MAKER, CHECKER = "wang.fang", "zhao.lei"
ACCOUNTS = {2: "6228480020000012", 3: "6228480020000013", 4: "6228480020000014"}


def _review(account: str) -> dict[str, Any]:
    return {"action": "开户", "account": "************" + account[-4:], "business_date": "2026-12-01",
            "ams_filings": 0, "fields": [{"label": "存款人名称", "send": "苏州工业园区恒远电子有限公司",
                                          "ams": None, "changed": True}]}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    cfg = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    folder = cfg.runs_dir / RUN
    folder.mkdir(parents=True)
    info = {"run_id": RUN, "flow": "account-filing", "parameters": {"maker": MAKER},
            "started_at": "2026-12-01T09:30:00+08:00"}
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    queue = WorkQueue.from_settings(cfg)
    queue.create_schema()
    audit = AuditLog.from_settings(cfg)
    audit.create_schema()
    audit.append(RUN, "run", "run.started", details={"flow": "account-filing", "maker": MAKER})
    entries = [NewItem(f"open:{account}:2026-12-01:ab{row}",
                       {"row": row, "sheet": "Sheet1", "approval": "required"})
               for row, account in ACCOUNTS.items()]
    queue.enqueue_many("account-filing", RUN, entries)
    for row in ACCOUNTS:
        item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
        assert item is not None
        if row == 4:  # held for a person for another reason: no checker's decision takes it
            queue.hold(item.id, "w1", "filing_conflict", "conflict", result={"status": "held"})
        else:
            queue.hold(item.id, "w1", "awaiting_approval", "waits",
                       result={"status": "awaiting_approval", "review": _review(ACCOUNTS[row])})
    return cfg


def _by_row(cfg: Settings) -> dict[int, Any]:
    return {item.payload["row"]: item for item in WorkQueue.from_settings(cfg).items(RUN)}


def _decisions(cfg: Settings) -> list[tuple[str, str, Any]]:
    """The chain's events after the run's start: what the decisions recorded."""
    return [(e.event, e.actor, e.details.get("rows")) for e in AuditLog.from_settings(cfg).events(RUN)
            if e.event != "run.started"]


def test_waiting_lists_only_rows_held_for_a_checker(settings: Settings) -> None:
    [run] = waiting(settings)
    assert run.run_id == RUN and run.maker == MAKER
    assert [row.row for row in run.rows] == [2, 3]
    assert run.rows[0].account.endswith("0012") and "6228480020000012" not in run.rows[0].account
    assert run.rows[0].fields[0].label == "存款人名称" and run.rows[0].fields[0].ams is None


# the maker's name as another person could not tell it apart: case, spaces, full-width, invisible,
# and as the console records its user (the actor `console:wang.fang`) or with another place
# before or a host after it
MAKER_AS_TYPED = [" Wang.Fang ", "ｗａｎｇ．ｆａｎｇ", "ＷＡＮＧ.FANG", "wang\u200b.fang", "wang. fang",
                  "console:wang.fang", "Console：Wang.Fang", " console: wang.fang",
                  "schedule:wang.fang", "cli:wang.fang", "wang.fang@console"]


@pytest.mark.parametrize("typed", MAKER_AS_TYPED)
def test_the_maker_never_decides_on_their_own_run(settings: Settings, typed: str) -> None:
    with pytest.raises(UsageError, match="发起人不能复核自己的运行"):
        approve(settings, RUN, typed)
    with pytest.raises(UsageError, match="发起人不能复核自己的运行"):
        reject(settings, RUN, MAKER, [2], "不符")
    assert {row: item.state for row, item in _by_row(settings).items()} == {
        2: ItemState.HELD, 3: ItemState.HELD, 4: ItemState.HELD}
    assert _decisions(settings) == []


def test_a_checker_never_approves_a_row_they_corrected(settings: Settings) -> None:
    """Four eyes on what is filed (tester AF): whoever corrected a row (异常处理) is not its checker."""
    queue = WorkQueue.from_settings(settings)
    row3 = _by_row(settings)[3]
    corrected = {**row3.payload, "corrected_by": "Zhao.Lei"}
    assert queue.refile(RUN, row3.id, corrected, [ItemState.HELD],
                        held=("awaiting_approval", "waits"))
    # the screens say who corrected it before anyone tries (tester AI: live buttons, no word)
    (shown,) = waiting(settings, RUN)
    assert {row.row: row.corrected_by for row in shown.rows} == {2: "", 3: "Zhao.Lei"}
    with pytest.raises(UsageError, match=r"第 3 行由 zhao\.lei 更正：更正人不能复核自己更正的行"):
        approve(settings, RUN, CHECKER, [2, 3])
    assert {row: item.state for row, item in _by_row(settings).items()} == {
        2: ItemState.HELD, 3: ItemState.HELD, 4: ItemState.HELD}
    approve(settings, RUN, "sun.li", [3])  # another checker may
    assert _by_row(settings)[3].state == ItemState.PENDING


def _run_log(cfg: Settings) -> list[str]:
    """What run.log says after its time, level, run and process (a checker's decision's lines)."""
    lines = (cfg.runs_dir / RUN / "run.log").read_text(encoding="utf-8").splitlines()
    return [line.split(f"[{RUN}] ", 1)[1].split(" ", 1)[1] for line in lines]


def test_approving_some_rows_makes_only_those_pending_with_the_checker_recorded(settings: Settings) -> None:
    decision = approve(settings, RUN, CHECKER, [2])
    assert decision.rows == [2] and decision.maker == MAKER and decision.approved
    items = _by_row(settings)
    assert items[2].state == ItemState.PENDING and items[2].payload["approved_by"] == CHECKER
    assert items[3].state == ItemState.HELD and "approved_by" not in items[3].payload
    assert _decisions(settings) == [("item.approved", CHECKER, None), ("approval.approved", CHECKER, [2])]
    assert _run_log(settings) == [f"第 2 行由复核 {CHECKER} 批准报备（经办 {MAKER}）"]

    # the name was typed; the account the process ran as is recorded beside it, and the report
    # shows it where the two differ
    decided = AuditLog.from_settings(settings).events(RUN)[-1]
    assert decided.details["os_user"] == os_user()
    [entry] = approval_entries([decided])
    assert entry.checker == f"{CHECKER}（系统用户 {os_user()}）"
    same = replace(decided, details={**decided.details, "os_user": "ZHAO.LEI"})  # the checker's own account
    assert approval_entries([same])[0].checker == CHECKER

    approve(settings, RUN, CHECKER)  # every row still waiting: row 3, never row 4 (held for a person)
    items = _by_row(settings)
    assert items[3].state == ItemState.PENDING and items[4].state == ItemState.HELD


def test_a_rejection_ends_the_row_with_the_reason(settings: Settings) -> None:
    reject(settings, RUN, CHECKER, [3], "  营业执照  已吊销 ")
    item = _by_row(settings)[3]
    assert item.state == ItemState.BUSINESS_ERROR and item.last_error_code == "rejected_by_checker"
    assert item.result is not None and item.result["status"] == "rejected_by_checker"
    assert "营业执照 已吊销" in item.result["note"] and CHECKER in item.result["note"]
    events = AuditLog.from_settings(settings).events(RUN)
    assert [e.event for e in events] == ["run.started", "item.business_error", "approval.rejected"]
    assert events[-1].details["reason"] == "营业执照 已吊销" and events[-1].actor == CHECKER
    assert _run_log(settings) == [f"第 3 行办结：复核退回（复核 {CHECKER}，经办 {MAKER}）：营业执照 已吊销"]
    with pytest.raises(UsageError, match=f"第 3 行已由 {CHECKER} 退回，已不再待复核"):  # decided already
        approve(settings, RUN, "qian.wu", [3])
    reject(settings, RUN, CHECKER, [2], "同上")  # no row waits any more
    with pytest.raises(UsageError, match=f"第 2 行已由 {CHECKER} 退回，已不再待复核"):
        reject(settings, RUN, "qian.wu", [2], "另有原因")


def test_a_rejection_reason_is_kept_and_echoed_masked(settings: Settings) -> None:
    """Tester U's U2: `rpa approvals reject` and the console echoed the reason whole (an ID
    number in it); the audit chain and run.log masked it."""
    decision = reject(settings, RUN, CHECKER, [2], "法人证件360426199101010071已过期")
    assert decision.reason == "法人证件**************0071已过期"
    assert "360426199101010071" not in str(_by_row(settings)[2].result)


def test_a_row_that_does_not_wait_and_a_rejection_without_reason_are_refused(settings: Settings) -> None:
    with pytest.raises(UsageError, match="第 4、9 行不在"):
        approve(settings, RUN, CHECKER, [2, 4, 9])
    with pytest.raises(UsageError, match="原因"):
        reject(settings, RUN, CHECKER, [2], "   ")
    with pytest.raises(UsageError, match="复核人"):
        approve(settings, RUN, "  ")
    assert _by_row(settings)[2].state == ItemState.HELD and _decisions(settings) == []


def _run_json(cfg: Settings, parameters: dict[str, Any]) -> None:
    path = cfg.runs_dir / RUN / "run.json"
    path.write_text(json.dumps({"run_id": RUN, "flow": "account-filing", "parameters": parameters}),
                    encoding="utf-8")


def test_a_run_without_a_recorded_maker_cannot_be_decided_on(tmp_path: Path, settings: Settings) -> None:
    other = RUN.replace("5e6f70", "5e6f71")
    (settings.runs_dir / other).mkdir()
    (settings.runs_dir / other / "run.json").write_text(json.dumps({"run_id": other, "parameters": {}}))
    AuditLog.from_settings(settings).append(other, "run", "run.started", details={"flow": "account-filing"})
    with pytest.raises(UsageError, match="没有记录发起人"):
        approve(settings, other, CHECKER)


@pytest.mark.parametrize("parameters", [{"maker": "someone.else"}, {"maker": CHECKER}, {}])
def test_a_maker_renamed_in_run_json_is_refused_whoever_decides(
    settings: Settings, parameters: dict[str, Any]
) -> None:
    """The maker edits run.json (or params.json, which a resume writes back into run.json) to name
    someone else, or no one, then approves their own run: the chain's maker stands."""
    _run_json(settings, parameters)
    for checker in (MAKER, CHECKER):
        with pytest.raises(UsageError, match=r"run\.json 记录的发起人与审计链不同"):
            approve(settings, RUN, checker)
    _run_json(settings, {"maker": MAKER})
    (settings.runs_dir / RUN / "params.json").write_text(json.dumps(parameters), encoding="utf-8")
    with pytest.raises(UsageError, match=r"params\.json 记录的发起人与审计链不同"):
        approve(settings, RUN, MAKER)
    assert _by_row(settings)[2].state == ItemState.HELD and _decisions(settings) == []


def test_a_start_edited_in_the_database_names_no_maker(settings: Settings) -> None:
    """The maker rewrites the chain's run.started in the database: its keyed hash no longer holds."""
    engine = create_engine(settings.database_url_resolved)
    with engine.begin() as conn:  # the append-only trigger dropped first, as an insider would
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
        conn.execute(text("UPDATE audit_events SET details = :d WHERE run_id = :r AND event = 'run.started'"),
                     {"d": json.dumps({"flow": "account-filing", "maker": "someone.else"}), "r": RUN})
    engine.dispose()
    with pytest.raises(UsageError, match="审计链中没有可核验的开始记录"):
        approve(settings, RUN, MAKER)


@pytest.mark.parametrize("loser", ["approve", "reject"])
def test_of_two_checkers_deciding_one_row_at_once_only_the_first_counts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, loser: str
) -> None:
    """The second checker has read rows 2 and 3 as waiting when the first rejects row 2: the
    second decision changes nothing (row 3 waits still), records nothing, and says who took row 2."""
    real = AuditLog.create_schema

    def meanwhile(self: AuditLog) -> None:  # runs after the second checker read the waiting rows
        monkeypatch.setattr(AuditLog, "create_schema", real)
        reject(settings, RUN, CHECKER, [2], "证件已过期")
        real(self)

    monkeypatch.setattr(AuditLog, "create_schema", meanwhile)
    with pytest.raises(UsageError, match=f"第 2 行已由 {CHECKER} 退回，已不再待复核：本次办理没有生效"):
        if loser == "approve":
            approve(settings, RUN, "qian.wu", [2, 3])
        else:
            reject(settings, RUN, "qian.wu", [2, 3], "另有原因")
    items = _by_row(settings)
    assert items[2].state == ItemState.BUSINESS_ERROR and "qian.wu" not in str(items[2].result)
    assert items[3].state == ItemState.HELD and "approved_by" not in items[3].payload
    assert [(event, actor) for event, actor, _rows in _decisions(settings)] == [
        ("item.business_error", CHECKER), ("approval.rejected", CHECKER)]


def test_all_or_none_decides_nothing_when_one_row_was_taken(settings: Settings) -> None:
    queue = WorkQueue.from_settings(settings)
    ids = {row: item.id for row, item in _by_row(settings).items()}
    assert queue.approve_held(RUN, [ids[2], ids[4]], "awaiting_approval", {"approved_by": "x"},
                              all_or_none=True) == []
    assert _by_row(settings)[2].state == ItemState.HELD


def _change_review(kept: bool | None) -> dict[str, Any]:
    """A change's review; `kept` None as one held before reviews marked the fields kept."""
    field = {"label": "注册资金", "send": "2000000.00", "ams": "2000000.00", "changed": False}
    return {"action": "变更", "account": "************0015", "business_date": "2026-12-01",
            "fields": [field if kept is None else {**field, "kept": kept}]}


def test_a_change_held_before_kept_fields_were_marked_is_shown_with_a_warning(settings: Settings) -> None:
    queue = WorkQueue.from_settings(settings)
    queue.enqueue_many("account-filing", RUN, [NewItem(f"change:6228480020000015:2026-12-01:c{row}",
                                                       {"row": row, "approval": "required"})
                                               for row in (5, 6)])
    for kept in (None, True):
        item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
        assert item is not None
        queue.hold(item.id, "w1", "awaiting_approval", "waits",
                   result={"status": "awaiting_approval", "review": _change_review(kept)})
    [run] = waiting(settings)
    rows = {row.row: row for row in run.rows}
    assert rows[5].kept_unmarked and "按 AMS 现值报送" in rows[5].warning
    assert rows[5].fields[0].to_file == "2000000.00"  # not said to be kept: the review never said
    assert not rows[6].kept_unmarked and rows[6].warning == ""
    assert rows[6].fields[0].to_file == "2000000.00（不变更，按 AMS 现值）"
    assert rows[2].warning == ""  # an 开户 shows no AMS values: nothing to warn of

    env = {"RPA_RUNS_DIR": str(settings.runs_dir), "RPA_AUDIT_KEY_FILE": str(settings.audit_key_file),
           "COLUMNS": "300"}
    listed = CliRunner().invoke(app, ["approvals", "list", RUN], env=env)
    assert listed.exit_code == 0, listed.output
    row5, row6 = listed.output.split("第 5 行")[1].split("第 6 行")
    assert f"注意：{rows[5].warning}" in row5 and "注意" not in row6
    assert "2000000.00（不变更，按 AMS 现值）" in row6 and "（不变更" not in row5


def test_a_decision_on_rows_changed_or_not_shown_since_the_page_is_refused(settings: Settings) -> None:
    """Tester W's A1: a checker's 复核 page showed row 2; another checker rejected it, its maker
    corrected the 法定代表人 and ID number and it waited again; the first page's 批准所选 then
    filed the corrected content, never seen. The page sends each row back with its token: a row
    changed since, or one the page never showed (全部批准), is refused and nothing changes."""
    [run] = waiting(settings)
    shown = {row.row: row.seen for row in run.rows}
    assert set(shown) == {2, 3} and all(len(token) == 16 for token in shown.values())
    queue = WorkQueue.from_settings(settings)  # row 2 waits again with other content to file
    queue.release(_by_row(settings)[2].id)
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert item is not None and item.payload["row"] == 2
    review = _review(ACCOUNTS[2])
    review["fields"][0]["send"] = "苏州工业园区恒远电子科技有限公司"
    queue.hold(item.id, "w1", "awaiting_approval", "waits",
               result={"status": "awaiting_approval", "review": review})
    for decide in (lambda: approve(settings, RUN, CHECKER, [2], shown),
                   lambda: approve(settings, RUN, CHECKER, None, shown),
                   lambda: reject(settings, RUN, CHECKER, [2], "不符", shown)):
        with pytest.raises(UsageError, match="第 2 行在你打开复核页面后已改变"):
            decide()
    with pytest.raises(UsageError, match="第 3 行在你打开复核页面后已改变"):  # 全部批准, row 3 not shown
        approve(settings, RUN, CHECKER, None, {2: waiting(settings)[0].rows[0].seen})
    assert {row: item.state for row, item in _by_row(settings).items()} == {
        2: ItemState.HELD, 3: ItemState.HELD, 4: ItemState.HELD}
    assert _decisions(settings) == []
    again = {row.row: row.seen for row in waiting(settings)[0].rows}  # the page refreshed
    assert again[3] == shown[3] and again[2] != shown[2]
    assert approve(settings, RUN, CHECKER, [2, 3], again).rows == [2, 3]
