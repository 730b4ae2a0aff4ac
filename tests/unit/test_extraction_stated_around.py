"""What a report states around its table (unit, day, branch) is read wherever it is printed.

A stated unit the tool does not know (单位：百万元, 万美元, the bare multipliers 亿 / 千) refuses the
file naming it, also when the spec may assume its unit (`unit_always` is for a report that states
none); a 数据日期 or 报送机构 printed below the table that contradicts the heading's refuses the
file; a 机构 line naming two listed branches refuses it; a branch code is a whole run of digits,
never the first six of a 12-digit 行号.

Every workbook is written here cell by cell with openpyxl, as a branch system prints it.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import ExtractionSpec, extract_file, load_spec
from flows.report_extraction.figure_units import unit_lines_kept
from flows.report_extraction.models import Figure, Provenance
from rpa.errors import ExtractionError, RpaError, UnreadableFigure
from tests.hand_reports import titled_sheet

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"
ROWS: list[tuple[str, object, object, object]] = [
    ("储蓄存款余额", 12345.67, 12.3, 456.7), ("个人金融资产余额", 23456.78, -23.4, 1234.5),
    ("个人贷款余额", 3456.78, 5.6, 78.9), ("对公贷款余额", 4567.89, 0, 100.0),
    ("普惠贷款余额", 567.89, 1.1, 50.5), ("客户数", 8888, 8, 300), ("新增客户数", 8, 1, 300),
    ("中间业务收入", 12.34, 0.5, 345.67), ("对公账户开户数", 3, 1, 120)]
HEADING = ["网点经营日报", "机构：110101 东城支行  数据日期：2026-12-04", "单位：万元"]


def _spec(**changes: object) -> ExtractionSpec:
    spec = load_spec("branch_daily", SPECS)
    return spec.model_copy(update=changes) if changes else spec


def _daily(tmp_path: Path, heading: list[str], *, below: tuple[str, ...] = (),
           rows: list[tuple[str, object, object, object]] = ROWS, name: str = "daily.xlsx") -> Path:
    """`heading` lines in A1.., the header 项目|本日|较上日|较年初, the rows, then `below` lines."""
    book, ws = titled_sheet("网点经营日报", heading)
    ws.append(["项目", "本日", "较上日", "较年初"])
    for row in rows:
        ws.append(list(row))
    for text in below:
        ws.append([text])
    path = tmp_path / name
    book.save(path)
    return path


def _refusal(path: Path, spec: ExtractionSpec | None = None, **kwargs: str) -> RpaError:
    with pytest.raises(RpaError) as caught:
        extract_file(path, spec or _spec(), **kwargs)
    return caught.value


# -- units -----------------------------------------------------------------------------------

@pytest.mark.parametrize("line", ["单位：千元", "单位:千元"])
def test_a_unit_line_under_the_table_is_used_and_not_listed_as_a_row_passed_over(tmp_path: Path,
                                                                                  line: str) -> None:
    """Tester AE F7: the figures took 千元 from A14, and the notes said A14 was passed over."""
    heading = ["网点经营日报", "机构：110101 东城支行  数据日期：2026-12-04"]
    extraction = extract_file(_daily(tmp_path, heading, below=(line, "其他项目")), _spec())
    savings = extraction.figures[0]
    assert (savings.unit, savings.unit_source) == ("千元", "单位行 A13")
    assert savings.value_yuan == Decimal("12345670")
    assert not [note for note in extraction.notes if "A13" in note], extraction.notes
    assert "略过的行 A14 其他项目" in extraction.notes  # a row passed over still is


def test_on_a_pdf_page_a_unit_line_used_keeps_the_page_s_rows_passed_over() -> None:
    """The review of 2026-12-06: a PDF's places are pages (第1页), so taking out the unit line's
    note took out every row passed over on its page."""
    used = Figure(branch=None, metric="储蓄存款余额", column="本日", value_yuan=Decimal(1), raw="1",
                  unit="万元", provenance=Provenance(file="daily.pdf", page=1), unit_source="单位行 第1页")
    notes = ["略过的行 第1页 其他项目", "略过的行 第1页 单位:万元"]
    assert unit_lines_kept(notes, [used]) == notes


@pytest.mark.parametrize("unit", ["百万元", "万美元", "亿", "千", "十万元", "万元人民币"])
@pytest.mark.parametrize("unit_always", [False, True])
def test_a_stated_unit_the_tool_does_not_know_refuses_naming_it(tmp_path: Path, unit: str,
                                                                unit_always: bool) -> None:
    path = _daily(tmp_path, ["网点经营日报", "机构：110101 东城支行  数据日期：2026-12-04", f"单位：{unit}"])
    error = _refusal(path, _spec(unit_always=unit_always))
    assert isinstance(error, UnreadableFigure)
    assert f"单位行 A3 写的单位“{unit}”不是认得的单位" in str(error)
    assert "没有注明单位" not in str(error)


def test_a_unit_the_tool_does_not_know_in_the_title_or_a_footnote_refuses_too(tmp_path: Path) -> None:
    title = _daily(tmp_path, ["网点经营日报（百万元）", "机构：110101 东城支行  数据日期：2026-12-04"])
    assert "单位行 A1 写的单位“百万元”不是认得的单位" in str(_refusal(title, _spec(unit_always=True)))
    note = _daily(tmp_path, HEADING[:2], below=("注：金额单位为万美元",), name="note.xlsx")
    assert "脚注 A13 写的单位“万美元”不是认得的单位" in str(_refusal(note, _spec(unit_always=True)))


def test_unit_always_still_assumes_the_unit_of_a_report_that_states_none(tmp_path: Path) -> None:
    path = _daily(tmp_path, ["网点经营日报", "填报单位：东城支行", HEADING[1]])
    figure = extract_file(path, _spec(unit_always=True)).figures[0]
    assert (figure.value_yuan, figure.unit_source) == (Decimal("123456700"), "规格默认（假定）")


def test_rpa_extract_exits_1_naming_the_unknown_unit(tmp_path: Path) -> None:
    path = _daily(tmp_path, ["网点经营日报", "机构：110101 东城支行  数据日期：2026-12-04", "单位：亿"])
    command = [sys.executable, "-m", "rpa", "extract", str(path), "--spec", "branch_daily"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "单位行 A3 写的单位“亿”不是认得的单位" in done.stderr and "不能假定为亿元" in done.stderr


# -- the day and the branch printed under the table ------------------------------------------

@pytest.mark.parametrize(("below", "where"), [
    (("注：数据日期：2026-12-03",), "A14"), (("", "数据日期：2026-12-03"), "A15"),
    (("报表日期：2026年12月3日",), "A14"),
])
def test_another_day_printed_under_the_table_refuses_naming_both_places(
        tmp_path: Path, below: tuple[str, ...], where: str) -> None:
    path = _daily(tmp_path, HEADING, below=below)
    error = _refusal(path, _spec(), report_date="2026-12-04")
    assert isinstance(error, ExtractionError)
    assert f"报表上印了两个不同的日期：A2 写 2026-12-04，{where} 写 2026-12-03" in str(error)


def test_the_same_day_under_the_table_and_a_print_date_in_the_sign_off_are_read(tmp_path: Path) -> None:
    below = ("注：数据日期：2026-12-04", "制表：张三  打印日期：2026-12-05", "注：较上日为与2026-12-03相比")
    extraction = extract_file(_daily(tmp_path, HEADING, below=below), _spec(), report_date="2026-12-04")
    assert extraction.report_date == "2026-12-04" and extraction.figures[0].value_yuan == Decimal("123456700")


def test_a_day_printed_only_under_the_table_is_the_reports_day(tmp_path: Path) -> None:
    heading = ["网点经营日报", "机构：110101 东城支行", "单位：万元"]
    path = _daily(tmp_path, heading, below=("报表日期：2026-12-03",))
    assert extract_file(path, _spec(), report_date="2026-12-03").report_date == "2026-12-03"


@pytest.mark.parametrize("below", [("", "报送机构：110102 西城支行"), ("注：报送机构：西城支行",)])
def test_another_branch_printed_under_the_table_refuses_naming_both(tmp_path: Path,
                                                                    below: tuple[str, ...]) -> None:
    error = _refusal(_daily(tmp_path, HEADING, below=below), _spec(), branch="110101")
    assert isinstance(error, ExtractionError)
    assert "报表的机构前后不一：机构行 A2 写 110101、报送机构行" in str(error) and "写 110102" in str(error)


def test_the_same_branch_under_the_table_is_read(tmp_path: Path) -> None:
    below = ("", "报送机构：110101 东城支行", "注：网点：东城支行（110101）")
    assert extract_file(_daily(tmp_path, HEADING, below=below), _spec()).branch == "110101"


# -- the branch on the 机构 line ----------------------------------------------------------------

@pytest.mark.parametrize(("line", "first", "second"), [
    ("机构：原110102西城支行，现110101东城支行", "110102 西城支行", "110101 东城支行"),
    ("机构：110101 东城支行（含原110102西城支行）", "110101 东城支行", "110102 西城支行"),
    ("报送机构：110101 东城支行（含西城支行）", "110101 东城支行", "110102 西城支行"),
])
def test_a_branch_line_naming_two_listed_branches_refuses_naming_both(tmp_path: Path, line: str,
                                                                      first: str, second: str) -> None:
    path = _daily(tmp_path, ["网点经营日报", line, "数据日期：2026-12-04", "单位：万元"])
    for branch in ("110101", "110102"):
        error = _refusal(path, _spec(), branch=branch)
        assert isinstance(error, ExtractionError)
        assert f"写了两个机构：{first} 和 {second}；报表属于哪个机构无法确定" in str(error)


@pytest.mark.parametrize("line", ["机构：营业部（联行号 110105000012）", "机构：营业部 行号：110102999996"])
def test_the_first_six_digits_of_a_longer_number_are_no_branch_code(tmp_path: Path, line: str) -> None:
    path = _daily(tmp_path, ["网点经营日报", line, "数据日期：2026-12-04", "单位：万元"])
    error = _refusal(path)
    assert isinstance(error, ExtractionError) and "不是已知网点的代码或名称" in str(error)


def test_a_branch_code_beside_its_12_digit_bank_number_is_read(tmp_path: Path) -> None:
    heading = ["网点经营日报", "机构：东城支行（110101） 联行号：110101000012", "数据日期：2026-12-04",
               "单位：万元"]
    assert extract_file(_daily(tmp_path, heading), _spec()).branch == "110101"
