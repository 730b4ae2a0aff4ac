"""Big exports stream: a sheet's claimed size is not walked, and a row limit refuses by name."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from flows.account_filing import validate_file
from flows.account_filing.xlsx_source import sheet_rows
from rpa.errors import InputFileError
from rpa.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
CALENDAR = PROJECT_ROOT / "calendar.yaml"
# the export's canonical headers (DOMAIN.md), written out here by hand
HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资金(万元)",
    "经营范围", "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]
ROWS: list[list[Any]] = [
    ["开户", "6228480012345678901", "基本存款账户", "2026-11-20", "北京华信科技有限公司", "01",
     "91110000600037341L", "法定代表人", "张三", "居民身份证", "11010519491231002X",
     "北京市东城区王府井大街1号", 500, "软件开发", "102100099996", None, None, None, None, "GY0001"],
    ["开户", "6228480012345678902", "基本存款账户", "2026-11-20", "厦门海运物流有限公司", "01",
     "91350200776049653A", "法定代表人", "李四", "居民身份证", "360426199101010071",
     "厦门市思明区鹭江道2号", 300, "货物运输", "102100099996", None, None, None, None, "GY0001"],
    ["撤销", "6228480012345678903", "一般存款账户", "2026-11-21", "北京华信科技有限公司", "01",
     "91110000600037341L", "法定代表人", "张三", "居民身份证", "11010519491231002X",
     None, None, None, "102100099996", "J1000000000001", None, "转户", None, "GY0001"],
]


def claim_full_sheet(path: Path) -> None:
    """Rewrite the sheet's <dimension> to claim A1:Z1048576, as some exporters do."""
    patched = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:Z1048576"', data)
                assert count == 1
            target.writestr(name, data)
    patched.replace(path)


def export(tmp_path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户明细"
    sheet.append(HEADERS)
    for values in rows:
        sheet.append(values)
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


@pytest.mark.timeout(60)
def test_a_sheet_claiming_a_million_rows_but_holding_three_is_read_to_its_data(tmp_path: Path) -> None:
    path = export(tmp_path, ROWS)
    claim_full_sheet(path)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = book["开户明细"]
        assert worksheet.max_row == 1_048_576  # what the file claims
        rows, release, *_ = sheet_rows(path, worksheet)
        walked = sum(1 for _ in rows)
        release()
    finally:
        book.close()
    assert walked == 4  # the header and three rows, not a million empty ones
    report = validate_file(path, config_dir=CONFIG, calendar_file=CALENDAR, today=date(2026, 11, 23))
    assert [o.row for o in report.outcomes] == [2, 3, 4]


def test_more_rows_than_the_limit_are_refused_naming_the_setting_and_file(tmp_path: Path) -> None:
    path = export(tmp_path, ROWS)
    with pytest.raises(InputFileError) as refused:
        validate_file(path, config_dir=CONFIG, calendar_file=CALENDAR, today=date(2026, 11, 23), max_rows=2)
    message = str(refused.value)
    assert "export.xlsx" in message and "开户明细" in message
    assert "RPA_MAX_EXPORT_ROWS=2" in message and "第4行" in message
    today = date(2026, 11, 23)
    at_limit = validate_file(path, config_dir=CONFIG, calendar_file=CALENDAR, today=today, max_rows=3)
    assert len(at_limit.outcomes) == 3


def test_a_csv_over_the_limit_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    lines = [",".join(HEADERS)] + [",".join("" if v is None else str(v) for v in values) for values in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="RPA_MAX_EXPORT_ROWS=1"):
        validate_file(path, config_dir=CONFIG, calendar_file=CALENDAR, today=date(2026, 11, 23), max_rows=1)


@pytest.mark.timeout(120)
def test_rpa_validate_refuses_an_export_over_the_row_limit_with_exit_2(tmp_path: Path) -> None:
    from tests.e2e.cli_helpers import make_cli_env

    path = export(tmp_path, ROWS)
    cli = make_cli_env(tmp_path, RPA_MAX_EXPORT_ROWS="2")
    refused = cli.run("validate", "account-filing", str(path), "--today", "2026-11-23")
    assert refused.returncode == 2
    assert "RPA_MAX_EXPORT_ROWS" in refused.stderr and "export.xlsx" in refused.stderr
    assert "超过2行" in refused.stderr and "Traceback" not in refused.stderr
    cli = make_cli_env(tmp_path, RPA_MAX_EXPORT_ROWS="3")
    done = cli.run("validate", "account-filing", str(path), "--today", "2026-11-23", "--json")
    data = json.loads(done.stdout)  # written row by row, still one JSON document
    assert [r["row"] for r in data["rows"]] == [2, 3, 4] and data["counts"]["rows"] == 3
