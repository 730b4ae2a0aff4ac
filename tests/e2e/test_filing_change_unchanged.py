"""A 变更 whose named items AMS already holds with the row's values is held, not filed.

A tester (F7) saw a 变更 of 注册地址 whose 注册地址 cell held AMS's current address filed as a
change that changed nothing and reported 已报备: the export's master data had not been updated,
so the real new address never reached AMS. Real Chromium against the mock AMS (seeded by hand,
as `test_filing_change_items` seeds it), whose own record is the judge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rpa.run.orchestrate import RunOutcome, execute_run
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings, read_result
from tests.e2e.test_filing_change_items import HEADERS, _change, _opened
from tests.e2e.test_filing_columns import export_with, filing_of
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

SAME, ALIKE, MOVED, PARTLY = "6228480012345670101", "6228480012345670119", "6228480012345670127", \
    "6228480012345670135"  # fmt: skip
AMS_ADDRESS = "北京市海淀区中关村大街1号"
NEW_ADDRESS = "上海市浦东新区世纪大道100号"
HELD = (f"变更事项「注册地址」的新值与AMS现值相同（导出的新值：注册地址「{AMS_ADDRESS}」），未报备："
        "请核对导出的新值")


def _seeded(ams: AmsHandle) -> list[dict[str, Any]]:
    seeds = [_opened(SAME, 11, "北京同址科技有限公司"), _opened(ALIKE, 12, "北京同值科技有限公司"),
             _opened(MOVED, 13, "北京迁址科技有限公司"), _opened(PARTLY, 14, "北京增资科技有限公司")]
    ams.seed(seeds)
    return seeds


def _rows(seeds: list[dict[str, Any]]) -> list[list[Any]]:
    same, alike, moved, partly = seeds
    return [
        _change(same, "注册地址", 注册地址=AMS_ADDRESS),  # the tester's row: AMS's own address
        # the same values written otherwise: a full-width digit, spaces, 1005 万元 as 1005.0
        _change(alike, "注册地址、注册资金",
                **{"注册地址": " 北京市海淀区中关村大街１号 ", "注册资金(万元)": "1005.0"}),
        _change(moved, "注册地址", 注册地址=NEW_ADDRESS),
        # one item repeats AMS's value, the other changes: filed
        _change(partly, "注册地址；注册资金", **{"注册地址": AMS_ADDRESS, "注册资金(万元)": "200"}),
    ]


def _run(ams: AmsHandle, tmp_path: Path, rows: list[list[Any]], **options: Any) -> RunOutcome:
    dry_run = options.pop("dry_run", False)
    source = export_with(tmp_path / "changes.xlsx", HEADERS, rows)
    params: dict[str, Any] = {"input": str(source), "today": REFERENCE_DAY}
    if dry_run:
        params["dry_run"] = True
    settings = filing_settings(tmp_path, ams, 1, **options)
    return execute_run(settings, "account-filing", {"flow_params": params}, workers=1)


def _results(outcome: RunOutcome) -> list[tuple[str, str]]:
    rows = read_result(outcome.folder / "result.xlsx")
    return [(str(rows[n]["状态"]), str(rows[n]["说明"])) for n in sorted(rows)]


@pytest.mark.parametrize("strategy", ["pipelined", "plain"])
def test_a_change_whose_named_items_ams_already_holds_is_held_and_nothing_filed(
    ams: AmsHandle, tmp_path: Path, strategy: str
) -> None:
    seeds = _seeded(ams)
    outcome = _run(ams, tmp_path, _rows(seeds), ams_strategy=strategy)

    (same, same_note), (alike, alike_note), (moved, _), (partly, _) = _results(outcome)
    assert same == alike == "需人工处理", _results(outcome)
    assert same_note == HELD, same_note
    assert "变更事项「注册地址、注册资金」的新值与AMS现值相同" in alike_note, alike_note
    assert "注册资金「10050000.00 元」" in alike_note, alike_note
    assert moved == partly == "已报备", _results(outcome)
    assert outcome.exit_code == 1  # rows for a person: not 全部完成
    submitted = sorted(s["account_no"] for s in ams.submissions())
    assert submitted == [MOVED, PARTLY], ams.submissions()
    assert filing_of(ams, MOVED, "change")["record"]["registered_address"] == NEW_ADDRESS
    assert filing_of(ams, PARTLY, "change")["record"]["registered_capital_yuan"] == "2000000.00"
    assert not [f for f in ams.filings() if f["account_no"] in (SAME, ALIKE) and f["action"] == "change"]


def test_a_dry_run_holds_the_change_that_changes_nothing(ams: AmsHandle, tmp_path: Path) -> None:
    seeds = _seeded(ams)
    outcome = _run(ams, tmp_path, _rows(seeds), dry_run=True)

    states = [state for state, _ in _results(outcome)]
    assert states == ["需人工处理", "需人工处理", "演练：待报备", "演练：待报备"], _results(outcome)
    assert _results(outcome)[0][1] == HELD
    assert not ams.submissions()


def test_a_change_ams_already_holds_for_its_date_is_already_filed_not_held(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """The row was filed before (an earlier run, or this one whose answer was lost): AMS's value
    is the row's because of that very filing. The history look-up comes first: 此前已报备."""
    same, _, moved, _ = seeds = _seeded(ams)
    earlier = {**same, "action": "change", "business_date": "2026-11-25", "change_items": "注册地址",
               "registered_address": "北京市西城区金融大街7号"}
    ams.seed([earlier])  # filed before by an earlier run: the row is that filing
    rows = [_change(same, "注册地址", 注册地址="北京市西城区金融大街7号"),
            _change(moved, "注册地址", 注册地址=NEW_ADDRESS)]
    # this run's own submission of the second row is stored, its answer lost (a 502): retried
    ams.set_faults(commit_fail_rate=1.0, commit_fail_mode="502",
                   commit_fail_paths=["/ams/acctChangeSubmit.do"])
    outcome = _run(ams, tmp_path, rows)

    (first, first_note), (second, second_note) = _results(outcome)
    assert first == second == "此前已报备", _results(outcome)
    assert first_note == "AMS中已有此笔报备（业务类型、日期和内容相同），未再提交"
    assert second_note.startswith("机器人此前已确认提交，未收到或读不出AMS的应答"), second_note
    assert [s["account_no"] for s in ams.submissions()] == [seeds[2]["account_no"]]
