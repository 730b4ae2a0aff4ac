"""An export's footer (合计：3笔, 制表人：王五 under the data) is passed over and listed, not read
as accounts.

Core-banking exports end with a totals line and sign-offs. The reader read each as a row: with no
账号 it was 无效，未报备 with a dozen errors, `rpa validate` counted it, the run exited 1 every day
and `rpa alerts check` reported （无账号） as overdue forever. Now a row whose every non-blank
cell (of the columns the filing reads) is such a text, a total (合计：3笔, 合计 3 笔, 共3笔) or a
sign-off (制表人：, 复核人：, 打印日期：, 制表日期：), is the footer: passed over, listed in the
report (略过的表尾行) and the 校验 sheet, counted nowhere. A row with any other value (a real row
with a blank 账号, a 合计 with an amount beside it) is still a row. Exports are written here by
hand with DOMAIN.md's headers and sample values (tests/check_exports.py).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from flows.account_filing.checks import check_lines
from rpa.errors import InputFileError
from tests.check_exports import HEADERS, open_row, uscc, write_export
from tests.unit.test_filing_columns import validate

ACCOUNT, NAME = HEADERS.index("账号"), HEADERS.index("存款人名称")


def _opened(serial: int) -> list[Any]:
    return open_row(f"62284800123456{serial:05d}", "北京华信科技有限公司", uscc("91110000600037341"), "张三")


def _line(text: str, column: int = 0) -> list[Any]:
    """A row holding `text` in one column only."""
    return [None] * column + [text]


def _csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows([["" if v is None else v for v in values] for values in rows])
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_totals_and_sign_offs_under_the_data_are_passed_over_and_listed(tmp_path: Path, suffix: str) -> None:
    rows = [_opened(1), _opened(2), _opened(3), [], _line("合计：3笔"), _line("制表人：王五"),
            _line("复核人：赵六", 4), _line("打印日期：2026-11-27")]
    path = tmp_path / f"export{suffix}"
    report = validate(write_export(path, rows) if suffix == ".xlsx" else _csv(path, rows))
    assert report.counts["rows"] == 3 and report.counts["valid"] == 3 and report.exit_code == 0
    assert [o.row for o in report.outcomes] == [2, 3, 4]
    said = "\n".join(report.file_warnings())
    listed = "第6、7、8、9行（合计：3笔 / 制表人：王五 / 复核人：赵六 / 打印日期：2026-11-27）"
    assert f"略过的表尾行：{listed}" in said
    assert "略过的表尾行" in report.render_text()
    assert [f["row"] for f in report.to_json()["footer_rows_skipped"]] == [6, 7, 8, 9]
    (line,) = [c for c in check_lines(report) if c.name.startswith("表尾")]
    assert line.result == "提示" and line.count == 4 and "第6、7、8、9行" in line.detail


@pytest.mark.parametrize("text", ["合计：1笔", "合计 1 笔", "共1笔", "共 1 条", "合计", "总计：1笔",
                                  "合计:１笔", "制表人：王五", "制表人 王五", "制表：王五", "复核人：",
                                  "审核人：李四", "打印日期：2026年11月27日", "制表日期：2026-11-27",
                                  "打印时间：2026-11-27 09:30", "制表人：王五　复核人：赵六",
                                  # more sign-offs and notes core-banking exports end with
                                  "经办：张三", "填表人：李四", "填报人：李四", "记账：", "审批人：",
                                  "部门负责人：王五", "以下空白", "共1页 第1页", "合计：", "总笔数：1",
                                  "备注：本表数据截至2026-11-27", "注：以上为本月开户"])
@pytest.mark.parametrize("column", [0, ACCOUNT, NAME])
def test_each_footer_text_in_any_one_column_is_passed_over(tmp_path: Path, text: str, column: int) -> None:
    report = validate(write_export(tmp_path / "export.xlsx", [_opened(1), _line(text, column)]))
    assert (report.counts["rows"], report.counts["valid"]) == (1, 1)
    assert [f.row for f in report.footer_rows] == [3]


@pytest.mark.parametrize("row", [
    _line("王五"),                                 # a value, not a sign-off
    _line("合计：3笔，其中开户2笔"),                 # more than a total
    _line("制表人王五"),                             # no separator: could be a name
    [*_line("合计"), *[None] * 11, "1500"],        # a total with an amount: not only the footer text
    [None, None, *_opened(1)[2:]],                 # a real row whose 业务类型 and 账号 are blank
    [None, None, "基本存款账户", None, "合计：3笔"],  # a footer text beside a value
])
def test_a_row_with_anything_else_is_still_a_row(tmp_path: Path, row: list[Any]) -> None:
    report = validate(write_export(tmp_path / "export.xlsx", [_opened(1), row]))
    assert report.counts["rows"] == 2 and report.counts["invalid"] == 1 and report.footer_rows == []
    assert "略过的表尾行" not in report.render_text()


def test_a_total_between_data_rows_is_passed_over_and_said_to_be_there(tmp_path: Path) -> None:
    rows = [_opened(1), _opened(2), _line("小计：2笔"), _opened(3), _line("合计：3笔")]
    report = validate(write_export(tmp_path / "export.xlsx", rows))
    assert [o.row for o in report.outcomes] == [2, 3, 5] and report.counts["valid"] == 3
    said = "\n".join(report.file_warnings())
    assert "第4行（小计：2笔）在数据行之间" in said and "略过的表尾行：第6行（合计：3笔）" in said


def test_a_footer_hidden_by_a_filter_does_not_refuse_the_file(tmp_path: Path) -> None:
    # an AutoFilter on 业务类型 = 开户 hides the footer rows only: no row to file is unseen
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户清单"
    for values in [HEADERS, _opened(1), _opened(2), _line("合计：2笔"), _line("制表人：王五")]:
        sheet.append(values)
    sheet.auto_filter.ref = "A1:T5"
    sheet.auto_filter.add_filter_column(0, ["开户"])
    for number in (4, 5):
        sheet.row_dimensions[number].hidden = True
    path = tmp_path / "export.xlsx"
    book.save(path)
    report = validate(path)
    assert report.counts["valid"] == 2 and [f.row for f in report.footer_rows] == [4, 5]


@pytest.mark.timeout(120)
def test_rpa_validate_exits_0_and_names_the_footer(tmp_path: Path) -> None:
    from tests.e2e.cli_helpers import make_cli_env

    cli = make_cli_env(tmp_path)
    path = write_export(tmp_path / "export.xlsx", [_opened(1), _line("合计：1笔"), _line("制表人：王五")])
    done = cli.run("validate", "account-filing", str(path), "--today", "2026-11-27")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "有效 1，无效 0" in done.stdout
    assert "略过的表尾行：第3、4行（合计：1笔 / 制表人：王五）" in done.stdout


# --- a total's count is compared with the rows read: an export cut short is not filed in part ----


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("text", ["合计：3笔", "共 3 条", "总笔数：3", "合计：１笔"])
def test_a_total_counting_other_than_the_rows_read_refuses_the_file(
    tmp_path: Path, suffix: str, text: str
) -> None:
    rows = [_opened(1), _opened(2), _line(text), _line("制表人：王五")]
    path = tmp_path / f"export{suffix}"
    path = write_export(path, rows) if suffix == ".xlsx" else _csv(path, rows)
    with pytest.raises(InputFileError) as caught:
        validate(path)
    message = str(caught.value)
    assert f"export{suffix}" in message and "表尾第4行" in message and "读到 2 行数据" in message
    assert "重新导出" in message and len(message.splitlines()) <= 2


def test_an_invalid_row_is_a_row_the_total_counts(tmp_path: Path) -> None:
    broken = _opened(2)
    broken[ACCOUNT] = ""  # a row, with its errors
    report = validate(write_export(tmp_path / "export.xlsx", [_opened(1), broken, _line("合计：2笔")]))
    assert report.counts["rows"] == 2 and report.counts["invalid"] == 1


def test_page_subtotals_are_not_compared_but_the_final_total_counts_every_page(tmp_path: Path) -> None:
    rows = [_opened(1), _opened(2), _line("小计：5笔"), _opened(3), _line("本页合计：1笔")]
    rows.append(_line("合计：3笔"))
    assert validate(write_export(tmp_path / "export.xlsx", rows)).counts["valid"] == 3
    rows[-1] = _line("合计：2笔")
    with pytest.raises(InputFileError, match="读到 3 行数据"):
        validate(write_export(tmp_path / "export.xlsx", rows))


@pytest.mark.timeout(120)
def test_rpa_validate_refuses_a_cut_export_with_exit_2(tmp_path: Path) -> None:
    from tests.e2e.cli_helpers import make_cli_env

    cli = make_cli_env(tmp_path)
    path = write_export(tmp_path / "export.xlsx", [_opened(1), _line("合计：2笔")])
    done = cli.run("validate", "account-filing", str(path), "--today", "2026-11-27")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "表尾第3行写「合计：2笔」，而表头以下读到 1 行数据" in done.stderr


def test_only_the_last_count_is_compared_and_an_amount_total_is_no_count(tmp_path: Path) -> None:
    rows = [_opened(1), _opened(2), _opened(3), _line("合计：1笔"), _line("总计：3笔")]
    rows.append(_line("合计：1500000"))  # an amount, no count
    assert validate(write_export(tmp_path / "export.xlsx", rows)).counts["valid"] == 3
