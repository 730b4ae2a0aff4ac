"""A "filed by hand" mark says what AMS holds: for a row the bot held because AMS already holds a
filing of it (`filing_conflict`, AMS's filing number in its result, as the filing handler leaves
it), a mark giving another number is refused naming the row and AMS's number, and so is the
approval of such a mark made before; a text that cannot be a filing number (letters and digits,
at least one digit) is refused for every row. On the real SQLite queue of
tests/unit/test_casework_actions.py and through the real CLI, which exits 2 with one line."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.account_filing.result_book import ResultRow
from flows.account_filing.row_results import with_failure_shot
from rpa.audit.log import AuditLog
from rpa.casework.actions import approve_by_hand, mark_by_hand
from rpa.casework.cases import open_cases
from rpa.casework.words import BY_HAND, FILED_BY_HAND
from rpa.cli.main import app
from rpa.errors import UsageError
from rpa.outcomes import OFF_THE_PAGE
from rpa.queue.work_queue import ItemState, NewItem, WorkItem, WorkQueue
from rpa.settings import Settings
from tests.unit.test_casework_actions import (  # noqa: F401  (fixture)
    CHECKER,
    OPERATOR,
    RUN,
    _record,
    settings,
)

ACCOUNT = "6228480012345670077"
AMS_NO = "100020261127000061"  # AMS's filing of the account's 开户, dated 2026-11-27
ROW = 7
NOTE = "AMS中该账户已于2026-11-27开户报备：未再提交，请人工核实"


@pytest.fixture
def held(settings: Settings) -> WorkItem:  # noqa: F811  (the fixture)
    """Row 7, an 开户 dated 2026-12-02 of an account AMS holds as opened on 2026-11-27: held."""
    queue = WorkQueue.from_settings(settings)
    queue.enqueue_many("account-filing", RUN, [NewItem(f"open:{ACCOUNT}:2026-12-02:{ROW:016d}",
                       {"row": ROW, "sheet": "开户清单", "record": _record(ACCOUNT)}, order_group=ACCOUNT)])
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert item is not None and item.payload["row"] == ROW
    queue.hold(item.id, "w1", "filing_conflict", NOTE,
               result={"status": "held", "filing_no": AMS_NO, "note": NOTE})
    return item


def _item(cfg: Settings, item_id: int) -> WorkItem:
    [item] = [i for i in WorkQueue.from_settings(cfg).items(RUN) if i.id == item_id]
    return item


def test_a_number_other_than_the_one_ams_shows_is_refused(settings: Settings, held: WorkItem) -> None:  # noqa: F811
    for typed in ("100020261127000099", "AMS20261202009999"):
        with pytest.raises(UsageError, match=rf"第 {ROW} 行：.*AMS 显示的备案编号为 {AMS_NO}.*{typed} 不同"):
            mark_by_hand(settings, RUN, held.id, OPERATOR, typed, "柜面已办理")
    assert BY_HAND not in (_item(settings, held.id).result or {})
    assert [e.event for e in AuditLog.from_settings(settings).events(RUN)] == ["run.started"]
    [case] = [c for c in open_cases(settings)[0].cases if c.row == ROW]
    assert case.ams_filing_no == AMS_NO  # the page and `rpa cases list` show it


def test_ams_number_is_taken_and_approved_as_ams_shows_it(settings: Settings, held: WorkItem) -> None:  # noqa: F811
    full_width = "１０００２０２６１１２７００００６１"
    mark_by_hand(settings, RUN, held.id, OPERATOR, full_width, "柜面已核实")
    approve_by_hand(settings, RUN, held.id, CHECKER)
    item = _item(settings, held.id)
    assert item.state == ItemState.DONE and item.result is not None and item.result["filing_no"] == AMS_NO
    # what the bot found stays in the row's note (tester AD's F2: 人工报备 with no word of it)
    assert item.result["note"].endswith(f"；标记前机器人的发现：{NOTE}"), item.result["note"]


def _filed_elsewhere(settings: Settings, key: str, filing_no: str) -> None:  # noqa: F811
    """Another run's item, done 已报备 under `filing_no` (the bot filed it)."""
    queue = WorkQueue.from_settings(settings)
    queue.enqueue_many("account-filing", "other-run", [NewItem(key, {"row": 3, "record": _record(ACCOUNT)})])
    item = queue.claim(run_id="other-run", owner="w1", lease_seconds=60)
    assert item is not None
    queue.complete(item.id, "w1", {"status": "filed", "filing_no": filing_no})


def test_ams_own_number_is_taken_though_the_bot_filed_the_account_under_it_elsewhere(
        settings: Settings, held: WorkItem) -> None:  # noqa: F811
    """A number the bot knows for another filing is refused (tester BM F4/F11, 2026-12-08;
    tests/integration/test_rows_put_aside.py), but AMS's own number for the held row stays the one
    to give, though another run's item filed the account's 开户 of 2026-11-27 under it."""
    _filed_elsewhere(settings, f"open:{ACCOUNT}:2026-11-27:{4:016d}", AMS_NO)
    mark_by_hand(settings, RUN, held.id, OPERATOR, AMS_NO, "柜面已核实")
    approve_by_hand(settings, RUN, held.id, CHECKER)
    result = _item(settings, held.id).result
    assert result is not None and result["filing_no"] == AMS_NO


def test_a_mark_made_with_another_number_before_is_not_approved(settings: Settings, held: WorkItem) -> None:  # noqa: F811
    queue = WorkQueue.from_settings(settings)
    mark = {"maker": OPERATOR, "filing_no": "abc", "reason": "手工", "at": "2026-12-02T11:00:00+08:00"}
    assert queue.annotate(RUN, held.id, [ItemState.HELD], BY_HAND, mark)
    with pytest.raises(UsageError, match=rf"AMS 显示的备案编号为 {AMS_NO}.*abc 不同：请退回该标记"):
        approve_by_hand(settings, RUN, held.id, CHECKER)
    assert _item(settings, held.id).state == ItemState.HELD


@pytest.mark.parametrize("typed", ["abc", "XYZ-1", "AMS 2026 1", "编号123", "１２３－４", "9" * 41, " "])
def test_a_text_that_is_no_filing_number_is_refused_for_any_row(settings: Settings, typed: str) -> None:  # noqa: F811
    [refused] = [i for i in WorkQueue.from_settings(settings).items(RUN) if i.payload["row"] == 2]
    with pytest.raises(UsageError, match=r"第 2 行：.*不像 AMS 的备案编号.*只含字母和数字、至少一位数字"):
        mark_by_hand(settings, RUN, refused.id, OPERATOR, typed, "柜面已办理")
    assert BY_HAND not in (_item(settings, refused.id).result or {})


def test_the_cli_refuses_the_mark_in_one_line_naming_the_row_and_ams_number(
    settings: Settings, held: WorkItem,  # noqa: F811
) -> None:
    env = {"RPA_RUNS_DIR": str(settings.runs_dir), "RPA_AUDIT_KEY_FILE": str(settings.audit_key_file),
           "RPA_MAX_ATTEMPTS": "1", "COLUMNS": "200"}
    runner = CliRunner()
    listed = runner.invoke(app, ["cases", "list", RUN], env=env)
    assert f"AMS 显示的备案编号：{AMS_NO}" in listed.output, listed.output
    # the terminal masks a long digit run as it masks account numbers: AMS's number by its tail
    for row, typed, words in ((ROW, "abc", "备案编号为 ****"), (ROW, "100020261127000099", "备案编号为 ****"),
                              (2, "XYZ-1", "“XYZ-1”不像 AMS 的备案编号")):
        done = runner.invoke(app, ["cases", "mark", RUN, str(row), "--filing-no", typed, "--reason", "手工",
                                   "--user", OPERATOR], env=env)
        assert done.exit_code == 2 and words in done.output and "Traceback" not in done.output, done.output
        assert len(done.output.strip().splitlines()) == 1 and f"第 {row} 行" in done.output
        assert row != ROW or "0061（完整编号见异常处理页面或 rpa cases list）" in done.output
    assert BY_HAND not in (_item(settings, held.id).result or {})


HELD_NOTE = ("变更事项「注册资金」的新值与AMS现值相同（导出的新值：注册资金「5000000.00 元」），"
             "未报备：请核对导出的新值")


@pytest.mark.parametrize("off_the_page", [False, True])
def test_a_held_row_approved_by_hand_keeps_what_the_bot_found_and_the_page_it_saw(
    settings: Settings, tmp_path: Path, off_the_page: bool  # noqa: F811
) -> None:
    """Tester BJ F3 (2026-12-07): a 变更 held as changing nothing, marked and approved, read 人工报备
    in result.xlsx with neither the bot's reason nor its screenshot (kept only for a row AMS
    already held a filing of). Both stay; a hold decided off the page names no page."""
    queue = WorkQueue.from_settings(settings)
    queue.enqueue_many("account-filing", RUN, [NewItem(f"change:{ACCOUNT}:2026-12-02:{ROW:016d}",
                       {"row": ROW, "sheet": "开户清单", "record": _record(ACCOUNT)}, order_group=ACCOUNT)])
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert item is not None
    result: dict[str, Any] = {"status": "held", "note": HELD_NOTE}
    result |= {OFF_THE_PAGE: True} if off_the_page else {}
    queue.hold(item.id, "w1", "change_alters_nothing", HELD_NOTE, result=result)
    mark_by_hand(settings, RUN, item.id, OPERATOR, "100020261207000778", "核对后在AMS手工报备")
    approve_by_hand(settings, RUN, item.id, CHECKER)
    done = _item(settings, item.id)
    assert done.state == ItemState.DONE and done.result is not None
    assert done.result["note"].endswith(f"；标记前机器人的发现：{HELD_NOTE}"), done.result["note"]

    ref = "c3c3e3653ff1714b"
    (tmp_path / RUN / "evidence").mkdir(parents=True)
    (tmp_path / RUN / "evidence" / f"{ref}-failure.png").write_bytes(b"png")
    ctx = SimpleNamespace(settings=SimpleNamespace(runs_dir=tmp_path), item_ref=lambda key: ref)
    row = ResultRow(ROW, "变更", ACCOUNT, "北京测试", "2026-12-02", FILED_BY_HAND, "100020261207000778")
    shown = with_failure_shot(row, done, ctx)  # type: ignore[arg-type]
    assert shown.evidence == ("" if off_the_page else f"evidence/{ref}-failure.png")
