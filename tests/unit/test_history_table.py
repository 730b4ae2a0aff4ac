"""Reading the look-up's history by the headers of selectors/ams.yaml: what cannot be read is an
error naming what is missing, never an empty history (that would be taken for "never filed")."""

from __future__ import annotations

import pytest

from bots.ams._tables import TableRow, history_entries, total_rows
from rpa.browser.selectors import TableSelectors
from rpa.errors import PortalChanged, RunFatalError

SPEC = TableSelectors(
    table="history_table",
    columns={
        "action": ["业务类型", "操作类型"],
        "business_date": ["业务日期", "备案日期"],
        "filing_no": ["备案编号", "备案号"],
    },
    row_count=[r"共\s*(\d+)\s*行", r"共\s*(\d+)\s*条"],
)
LINK = "http://ams.example/ams/filingDetail.do?filingNo=AMS2026112700017"


def _rows(header: list[str], *data: list[str]) -> list[TableRow]:
    return [TableRow(header, True, []), *(TableRow(cells, False, [LINK]) for cells in data)]


def test_columns_are_found_by_any_of_their_header_aliases_in_any_order() -> None:
    rows = _rows(
        ["序号", "备案号", "经办操作员", "备案日期", "操作类型", "操作"],
        ["1", "AMS2026112700017", "李娜", "2026-11-27", "开户", "详情"],
        ["2", "AMS2026120100003", "李娜", "2026-12-01", "变更", "详情"],
    )
    entries = history_entries(rows, SPEC)
    assert [(e.action, e.business_date, e.filing_no) for e in entries] == [
        ("open", "2026-11-27", "AMS2026112700017"),
        ("change", "2026-12-01", "AMS2026120100003"),
    ]
    assert entries[0].detail_url == LINK


def test_headers_that_do_not_map_raise_naming_the_columns_and_the_headers_shown() -> None:
    # the portal renamed two headers: before, this history read as empty and the row was filed again
    rows = _rows(
        ["序号", "办理业务", "生效日期", "备案编号", "操作"],
        ["1", "开户", "2026-11-27", "AMS2026112700017", "详情"],
    )
    with pytest.raises(PortalChanged) as caught:
        history_entries(rows, SPEC, "查询 ********5678")
    error = caught.value
    assert isinstance(error, RunFatalError) and error.code == "table_header_missing"
    message = str(error)
    assert "查询 ********5678" in message
    assert "action (业务类型/操作类型)" in message and "business_date (业务日期/备案日期)" in message
    assert "filing_no" not in message.split("表格显示的表头是")[0]
    assert "序号 | 办理业务 | 生效日期 | 备案编号 | 操作" in message


def test_a_table_without_a_header_row_is_an_error_not_an_empty_history() -> None:
    rows = [TableRow(["1", "开户", "2026-11-27", "AMS2026112700017"], False, [LINK])]
    with pytest.raises(PortalChanged, match="表格没有表头行"):
        history_entries(rows, SPEC)


def test_a_column_named_twice_is_an_error() -> None:
    rows = _rows(["业务类型", "操作类型", "业务日期", "备案编号"], ["开户", "开户", "2026-11-27", "AMS1"])
    with pytest.raises(PortalChanged, match="列 'action' 对应了 2 个表头"):
        history_entries(rows, SPEC)


@pytest.mark.parametrize(
    ("cells", "words"),
    [
        (["1", "新开", "2026-11-27", "AMS2026112700017"], "业务类型 '新开' 不认识"),
        (["1", "备案", "2026-11-27", "AMS2026112700017"], "业务类型 '备案' 不认识"),
        (["1", "开户", "2026/11/27 上午", "AMS2026112700017"], "日期读不出.*'2026/11/27 上午'"),
        (["1", "开户", "2026-02-30", "AMS2026112700017"], "日期读不出"),
        (["1", "开户", "2026-11-27", ""], "第 1 行没有备案编号"),
        (["1", "开户"], "第 1 行只有 2 个单元格"),
    ],
)
def test_a_row_that_cannot_be_read_is_an_error(cells: list[str], words: str) -> None:
    rows = _rows(["序号", "业务类型", "业务日期", "备案编号"], cells)
    with pytest.raises(PortalChanged, match=words):
        history_entries(rows, SPEC)


def test_the_row_count_is_read_by_its_patterns_and_a_missing_one_is_an_error() -> None:
    assert total_rows("账户基本信息\n共 3 行", SPEC) == 3
    assert total_rows("共12条 第1/2页", SPEC) == 12
    with pytest.raises(PortalChanged, match=r"页面上没有显示总行数（试过的写法：共"):
        total_rows("合计 3 笔", SPEC)


@pytest.mark.parametrize("shown", ["2026/11/27", "2026.11.27", "2026年11月27日", " 2026-11-27 ",
                                   "2026-11-27 10:30:00", "2026年11月27日 9:05"])  # a time: that day
def test_a_day_shown_another_way_reads_as_that_day(shown: str) -> None:
    rows = _rows(["序号", "业务类型", "业务日期", "备案编号"], ["1", "开户", shown, "AMS2026112700017"])
    (entry,) = history_entries(rows, SPEC)
    assert entry.business_date == "2026-11-27"


@pytest.mark.parametrize(("shown", "action"), [
    ("开户备案", "open"), (" 变更 ", "change"), ("撤销备案", "close")
])
def test_a_business_type_with_the_word_filing_reads_as_that_type(shown: str, action: str) -> None:
    """Tester M: a history showing 开户备案 stopped every run as an unknown 业务类型."""
    rows = _rows(["序号", "业务类型", "业务日期", "备案编号"], ["1", shown, "2026-11-27", "AMS2026112700017"])
    (entry,) = history_entries(rows, SPEC)
    assert entry.action == action
