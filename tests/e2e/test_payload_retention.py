"""When a filing run ends, the personal data its input brought into the queue is masked there;
result.xlsx keeps it. The database file's bytes are searched, not only its rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from tests.e2e.test_account_filing_run import SEED, filing_settings
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

HEADER = [
    "序号", "业务类型", "账号", "账户性质", "开户日期", "单位名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资本（万元）",
    "经营范围", "开户行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期",
    "经办柜员", "备注",
]
ACCOUNT = "6222029876543210777"
ID_NUMBER = "11010519491231002X"  # the national standard's own example
PERSON = "司马晓峰"
COMPANY = "甘霖测试贸易有限公司"
ADDRESS = "北京市海淀区知春路甲7号"


def _export(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([1, "开户", ACCOUNT, "一般存款账户", "2026-11-26", COMPANY, "02", "91110102154690454C",
                  "法定代表人", PERSON, "居民身份证", ID_NUMBER, ADDRESS, None, "销售日用品。",
                  "313100000232", "J1000043986180", None, None, None, "311011", None])
    book.save(path)
    return path


def _db_bytes(runs: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(runs.glob("queue.db*")))


def _run(
    tmp_path: Path, ams: AmsHandle, *, seed: bool = True, exit_code: int = 0, **overrides: str
) -> tuple[Path, WorkQueue, str]:
    if seed:
        ams.seed(json.loads(SEED.read_text(encoding="utf-8")))  # the basic account the row names
    settings = filing_settings(tmp_path, ams, 1, **overrides)
    params = {"input": str(_export(tmp_path / "export.xlsx")), "today": "2026-11-27"}
    outcome = execute_run(settings, "account-filing", {"flow_params": params}, workers=1)
    assert outcome.exit_code == exit_code, outcome
    return outcome.folder, WorkQueue(settings.database_url_resolved), outcome.run_id


@pytest.mark.timeout(240)
def test_a_done_filings_personal_data_is_masked_in_the_queue_but_kept_in_the_result(
    ams: AmsHandle, tmp_path: Path
) -> None:
    folder, queue, run_id = _run(tmp_path, ams)
    (item,) = queue.items(run_id)
    assert item.state == "done"
    stored = json.dumps(item.payload, ensure_ascii=False)
    for secret in (ACCOUNT, ID_NUMBER, PERSON, COMPANY, ADDRESS):
        assert secret not in stored, (secret, stored)
    assert item.payload["record"]["id_number"] == "**************002X"
    assert item.payload["record"]["legal_rep_name"] == "司***"
    assert item.payload["record"]["business_date"] == "2026-11-26"  # not personal: kept
    assert item.order_group == ACCOUNT  # kept: another run's guard before 确认提交 reads it
    # the file itself: no old row version left in free space or in the WAL (the item's key,
    # its idempotency key, still names the account: it is what keeps a re-run from filing again)
    raw = _db_bytes(tmp_path / "runs")
    for secret in (ID_NUMBER, PERSON, COMPANY, ADDRESS):
        assert secret.encode() not in raw, secret
    with sqlite3.connect(tmp_path / "runs" / "queue.db") as conn:
        dumped = "\n".join(conn.iterdump())
    for secret in (ID_NUMBER, PERSON, COMPANY, ADDRESS):
        assert secret not in dumped, secret

    book = load_workbook(folder / "result.xlsx").active
    assert book is not None
    cells = {str(c.value) for row in book.iter_rows() for c in row if c.value is not None}
    assert ACCOUNT in cells and COMPANY in cells, cells


@pytest.mark.timeout(240)
def test_payload_retention_keep_leaves_the_payload_as_read(ams: AmsHandle, tmp_path: Path) -> None:
    _folder, queue, run_id = _run(tmp_path, ams, payload_retention="keep")
    (item,) = queue.items(run_id)
    record = item.payload["record"]
    assert record["id_number"] == ID_NUMBER and record["legal_rep_name"] == PERSON


@pytest.mark.timeout(240)
def test_an_item_that_may_be_retried_keeps_its_payload(ams: AmsHandle, tmp_path: Path) -> None:
    # without the seed AMS refuses the row (基本存款账户不存在): `rpa runs retry` works it again
    # from its payload once the basic account exists, so the payload stays as read
    _folder, queue, run_id = _run(tmp_path, ams, seed=False, exit_code=1)
    (item,) = queue.items(run_id)
    assert item.state == "business_error"
    assert item.payload["record"]["id_number"] == ID_NUMBER and item.order_group == ACCOUNT
