"""A row put aside while validating, then filed from a corrected export by another run: the first
run's result.xlsx, written again when that run is resumed, keeps the row 无效，未报备 and names in
its 说明 the row and run that filed the account's filing instead, with its 备案编号 (tester BJ F2,
2026-12-07: the record said 无效，未报备 and nothing else, while 异常处理 had stopped listing it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.records import FilingRecord
from rpa.run.orchestrate import execute_run
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings, read_result
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser
FLOW = "account-filing"
GOOD_ID = "11010519491231002X"  # GB 11643's own example
BAD_ID = "110105194912310023"  # its check character changed


def _export(path: Path, id_number: str) -> Path:
    pairs = (("510120260901", 91), ("510120260902", 92))
    records: list[dict[str, Any]] = [FilingRecord.model_validate(basic_record(a, serial=n)).model_dump()
                                     for a, n in pairs]
    records[0]["id_number"] = id_number
    return write_export(path, records)


@pytest.mark.timeout(300)
def test_a_row_put_aside_then_filed_by_another_run_says_which(ams: AmsHandle, tmp_path: Path) -> None:
    settings = filing_settings(tmp_path, ams, 1)
    first_export = _export(tmp_path / "first.xlsx", BAD_ID)
    first = execute_run(settings, FLOW, {"flow_params": {"input": str(first_export), "today": REFERENCE_DAY}},
                        workers=1)
    row = read_result(first.folder / "result.xlsx")[4]
    assert row["状态"] == "无效，未报备" and "运行" not in str(row["说明"]), row

    fixed = _export(tmp_path / "fixed.xlsx", GOOD_ID)
    second = execute_run(settings, FLOW, {"flow_params": {"input": str(fixed), "today": REFERENCE_DAY}},
                         workers=1)
    filed = read_result(second.folder / "result.xlsx")[4]
    assert filed["状态"] == "已报备" and filed["备案编号"], filed

    again = execute_run(settings, FLOW, {"flow_params": {"input": str(first_export), "today": REFERENCE_DAY}},
                        resume=first.run_id, workers=1)
    row = read_result(again.folder / "result.xlsx")[4]
    assert row["状态"] == "无效，未报备", row
    assert "居民身份证" in str(row["说明"]) and (
        f"同一账户开户（2026-11-27）由运行 {second.run_id} 第 4 行办理：已报备，备案编号 {filed['备案编号']}"
        in str(row["说明"])), row
    assert len(ams.submissions()) == 2  # the first run's valid row, the second run's corrected one
