"""A row held behind an earlier row of its account keeps no failure screenshot: nothing of its own
was done in AMS, and the page a tab shows then is another row's (another account's 成功 page, or
the next row's 信息核对 loaded ahead).

A run of the filing flow, one worker with the pipelined strategy (the default), real Chromium
against the mock AMS: another account's open is filed, an account's open is held because AMS holds
it with another address, and the account's 变更 and 撤销 behind it are held too. Only the held
open, decided on its own 详情 page, has a screenshot; result.xlsx names no 证据文件 for the two rows
behind it, and the run's evidence folder holds nothing of theirs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.account_filing.records import FilingRecord
from rpa.masking import item_ref
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings, read_result
from tests.integration.ams_helpers import BANK_A, BANK_B, basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

PERMIT = "J1031000000101"
GENERAL = {"account_kind": "general", "basic_account_permit": PERMIT, "bank_code": BANK_A}
ACCOUNT = "110020260501"


@pytest.mark.timeout(240)
def test_rows_held_behind_an_earlier_row_keep_no_screenshot(ams: AmsHandle, tmp_path: Path) -> None:
    basic = basic_record("020020260001", bank_code=BANK_B, basic_account_permit=PERMIT)
    elsewhere = {**GENERAL, "registered_address": "别处1号"}
    ams.seed([{**basic, "business_date": "2019-05-06", "filing_no": "AMS2019050600001"},
              basic_record(ACCOUNT, serial=51, day="2026-11-20", **elsewhere)])
    rows = [
        basic_record("110020260502", serial=52, day="2026-11-19"),  # filed: its 成功 page stays in a tab
        basic_record(ACCOUNT, serial=51, day="2026-11-20", **GENERAL),  # AMS holds it otherwise: held
        basic_record(ACCOUNT, serial=51, day="2026-11-24", action="change", **{
            **GENERAL, "change_items": "注册地址", "registered_address": "北京市朝阳区建国路88号"}),
        basic_record(ACCOUNT, serial=51, day="2026-11-25", action="close", close_reason="转户", **GENERAL),
    ]
    records = [FilingRecord.model_validate(r).model_dump() for r in rows]
    source = write_export(tmp_path / "accounts.xlsx", records)
    settings = filing_settings(tmp_path, ams, 1)
    outcome = execute_run(settings, "account-filing", {"flow_params": {"input": str(source),
                                                                        "today": REFERENCE_DAY}}, workers=1)

    result = read_result(outcome.folder / "result.xlsx")
    filed, held, change, close = (result[n] for n in sorted(result))
    assert filed["状态"] == "已报备" and held["状态"] == "需人工处理", (filed, held)
    assert held["证据文件"], held  # decided on its own 详情 page: that page is its evidence
    for behind in (change, close):
        assert behind["状态"] == "需人工处理" and "同一账户在前的第5行" in str(behind["说明"]), behind
        assert not behind["证据文件"], behind

    key = settings.audit_key_bytes()
    items = WorkQueue.from_settings(settings).items(outcome.run_id)
    refs = {item.payload["row"]: item_ref(item.key, key) for item in items}
    shots = sorted(p.name for p in (outcome.folder / "evidence").glob("*-failure.png"))
    assert shots == [f"{refs[5]}-failure.png"], (shots, refs)
