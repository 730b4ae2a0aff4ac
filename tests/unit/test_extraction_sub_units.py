"""A unit under a branch (分理处, 营业部 ...) is not the branch, in every report type alike.

`机构：东城支行和平里分理处` or `海淀支行营业部` on a daily report, a fee block labelled with a
分理处, and a summary row of 110101 named 东城支行和平里分理处 are each refused naming the unit
and the branch list, as the summary already refused such a name without a code; a branch list
that names the unit itself reads it as that unit. Reports are written by hand
(tests/hand_reports.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError
from tests.hand_reports import HEADING, ROWS, daily_workbook, fee_workbook, summary_workbook

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


@pytest.mark.parametrize(("line", "unit", "branch"), [
    ("机构：东城支行和平里分理处  数据日期：2026-12-04", "东城支行和平里分理处", "东城支行（110101）"),
    ("机构：海淀支行营业部  数据日期：2026-12-04", "海淀支行营业部", "海淀支行（110108）"),
    ("机构：110101 东城支行和平里分理处  数据日期：2026-12-04", "东城支行和平里分理处", "东城支行（110101）"),
    ("网点：东城支行第二储蓄所（数据日期：2026-12-04）", "东城支行第二储蓄所", "东城支行（110101）"),
    # a space between the branch and its unit, as a unit's name typed after it
    ("机构：东城支行 营业部  数据日期：2026-12-04", "东城支行 营业部", "东城支行（110101）"),
    ("机构：东城支行　和平里分理处", "东城支行 和平里分理处", "东城支行（110101）"),
    ("机构：东城支行（营业部）", "东城支行(营业部)", "东城支行（110101）"),
    ("机构：东城支行/营业部", "东城支行/营业部", "东城支行（110101）")])
def test_a_daily_report_of_a_unit_under_a_branch_refuses(tmp_path: Path, line: str, unit: str,
                                                          branch: str) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", (HEADING[0], line, HEADING[2]))
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert f"A2: “{unit}”是{branch[:4]}下属的单位，不是{branch}本身" in str(caught.value)
    assert "config/branches.yaml" in str(caught.value)


@pytest.mark.parametrize("line", ["机构：东城支行  数据日期：2026-12-04",
                                  "机构：东城支行（110101）数据日期：2026-12-04",
                                  "报送机构：东城支行 填报部门：个人金融部 数据日期：2026-12-04",
                                  # the next label's words after a space: no unit of the branch
                                  "机构：东城支行  所属分行：北京分行  数据日期：2026-12-04",
                                  "机构：东城支行  网点数：12  数据日期：2026-12-04",
                                  "机构：110101东城支行 支行负责人：张三 数据日期：2026-12-04",
                                  "机构：东城支行 所属分行 北京分行 数据日期：2026-12-04",
                                  "机构：东城支行 网点经营情况 数据日期：2026-12-04",
                                  "机构：东城支行 北京分行 数据日期：2026-12-04",
                                  "机构：东城支行（含营业部） 数据日期：2026-12-04"])
def test_the_branch_itself_is_still_read(tmp_path: Path, line: str) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", (HEADING[0], line, HEADING[2]))
    assert extract_file(path, load_spec("branch_daily", SPECS)).branch == "110101"


def test_a_unit_the_branch_list_names_is_read_as_itself(tmp_path: Path) -> None:
    spec = load_spec("branch_daily", SPECS)
    branches = {**spec.known_branches, "110199": "东城支行和平里分理处"}
    listed = spec.model_copy(update={"known_branches": branches})
    line = "机构：东城支行和平里分理处  数据日期：2026-12-04"
    path = daily_workbook(tmp_path / "d.xlsx", (HEADING[0], line, HEADING[2]))
    assert extract_file(path, listed).branch == "110199"


def test_a_fee_block_of_a_unit_under_a_branch_refuses(tmp_path: Path) -> None:
    path = fee_workbook(tmp_path / "fee.xlsx", labels=("东城支行和平里分理处", "110102 西城支行"))
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("fee_income_monthly", SPECS))
    unit = "“东城支行和平里分理处”是东城支行下属的单位，不是东城支行（110101）本身"
    assert f"机构列 A4: {unit}" in str(caught.value)


def test_a_summary_row_of_a_unit_under_a_branch_refuses(tmp_path: Path) -> None:
    values = [value for _, value, *_ in ROWS]
    rows: list[list[object]] = [["110101", "东城支行和平里分理处", *values], ["110102", "西城支行", *values],
                                ["合计", None, *(2 * v for v in values)]]
    path = summary_workbook(tmp_path / "summary.xlsx", rows)
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("summary_daily", SPECS))
    assert "“东城支行和平里分理处”是东城支行下属的单位，不是东城支行（110101）本身" in str(caught.value)


def test_a_fee_report_whose_month_column_reads_dangyue_is_read_as_benyue(tmp_path: Path) -> None:
    """Tester AZ's F7 (2026-12-07): the monthly report's 本月 printed 当月, its everyday synonym,
    was refused; the spec takes it as 本月 (config/specs/fee_income_monthly.yaml)."""
    from tests.hand_reports import edit_cells

    path = edit_cells(fee_workbook(tmp_path / "fee.xlsx"), {"C3": "当月"}, sheet="中间业务收入月报")
    extraction = extract_file(path, load_spec("fee_income_monthly", SPECS))
    month = [f for f in extraction.figures if f.column == "本月" and f.branch == "110101"]
    assert month and month[0].provenance.cell is not None
