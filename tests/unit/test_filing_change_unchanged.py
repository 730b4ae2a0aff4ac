"""A 变更 whose every named item AMS already holds with the row's value is held, never filed
(`flows.account_filing.unchanged_change`); one that changes any named item is not held here.
AMS's 详情 pages are given as label/value pairs, read the way the bot reads them."""

from __future__ import annotations

from typing import Any

import pytest

from bots.ams import HistoryEntry, page_content
from bots.ams.pages.history import AccountHistory
from flows.account_filing.history_match import match_history
from flows.account_filing.notes import item_note
from flows.account_filing.records import FilingRecord
from flows.account_filing.unchanged_change import CODE, check_something_changes
from rpa.errors import NeedsPerson

ACCOUNT = "6228480012345670027"
OPEN = HistoryEntry("open", "2026-11-02", "AMS2026110200001", "/detail/1")
CHANGE = HistoryEntry("change", "2026-11-10", "AMS2026111000002", "/detail/2")
LATER = HistoryEntry("change", "2026-11-30", "AMS2026113000003", "/detail/3")
CHANGE_ON_THE_DAY = HistoryEntry("change", "2026-11-25", "AMS2026112500004", "/detail/4")
AMS_PAGE = {"存款人名称": "厦门海联贸易有限公司", "存款人类别": "01-企业法人",
            "统一社会信用代码": "91350200776049653A", "法定代表人类别": "法定代表人",
            "法定代表人姓名": "李四", "证件种类": "居民身份证", "证件号码": "360426199101010071",
            "注册地址": "北京市海淀区中关村大街1号", "注册资金": "10,050,000.00 元",
            "经营范围": "货物进出口", "开户银行机构代码": "102100099996"}  # fmt: skip


def _change(items: str, **cells: Any) -> FilingRecord:
    row = {"action": "change", "account_no": ACCOUNT, "account_kind": "basic", "business_date": "2026-11-25",
           "depositor_name": "厦门海联贸易有限公司", "depositor_category": "企业法人",
           "uscc": "91350200776049653A", "legal_rep_role": "法定代表人", "legal_rep_name": "李四",
           "id_type": "居民身份证", "id_number": "360426199101010071",
           "registered_address": "北京市海淀区中关村大街1号", "registered_capital_yuan": "10050000.00",
           "business_scope": "货物进出口", "bank_code": "102100099996",
           "basic_account_permit": "J3930000123401", "change_items": items}  # fmt: skip
    return FilingRecord.model_validate({**row, **cells})


class Ams:
    """AMS's filings of the account, each 详情 page counted as it is read."""

    def __init__(self, pages: dict[HistoryEntry, dict[str, str]]) -> None:
        self.pages = pages
        self.read: list[HistoryEntry] = []
        self.history = AccountHistory(ACCOUNT, bool(pages), tuple(pages))

    def detail(self, entry: HistoryEntry) -> dict[str, str]:
        self.read.append(entry)
        return page_content(self.pages[entry])


def _held(record: FilingRecord, ams: Ams) -> NeedsPerson:
    with pytest.raises(NeedsPerson) as raised:
        check_something_changes(record, ams.history, ams.detail)
    assert raised.value.code == CODE and raised.value.details["status"] == "held"
    return raised.value


def test_the_testers_row_naming_ams_s_own_address_is_held_with_a_note_naming_it() -> None:
    hold = _held(_change("注册地址"), Ams({OPEN: AMS_PAGE}))
    note = ("变更事项「注册地址」的新值与AMS现值相同（导出的新值：注册地址「北京市海淀区中关村大街1号」），"
            "未报备：请核对导出的新值")
    assert hold.details["note"] == note and hold.details["fields"] == ["registered_address"]
    assert item_note("held", CODE, hold.details) == note  # result.xlsx's 说明


def test_a_sole_trader_s_address_is_masked_as_his_name_is() -> None:
    """Tester S's S7: a 无字号个体工商户's 注册地址 (his home, maybe) was shown whole in the note,
    the name beside it masked; an enterprise's address stays readable (the test above)."""
    owner = {"depositor_name": "李秀英", "depositor_category": "无字号个体工商户", "uscc": None}
    record = _change("注册地址", **owner)
    hold = _held(record, Ams({OPEN: {**AMS_PAGE, "存款人名称": "李秀英", "存款人类别": "无字号个体工商户"}}))
    note = hold.details["note"]
    assert "中关村" not in note and "注册地址「北" in note, note


def test_values_compare_as_the_look_up_compares_them_width_spaces_and_amounts() -> None:
    record = _change("注册地址、注册资金、存款人类别", registered_address=" 北京市海淀区中关村大街１号 ",
                     registered_capital_yuan="10050000")
    hold = _held(record, Ams({OPEN: AMS_PAGE}))
    assert hold.details["fields"] == ["depositor_category", "registered_address", "registered_capital_yuan"]
    assert "注册资金「10050000.00 元」" in hold.details["note"]


def test_the_note_quotes_the_export_s_value_as_written_not_as_compared() -> None:
    # tester AK's F7: the note quoted (科技) for a name AMS holds, and the export wrote, as （科技）
    name = "北京第1测试（科技）有限公司"
    record = _change("存款人名称", depositor_name=name)
    hold = _held(record, Ams({OPEN: {**AMS_PAGE, "存款人名称": name}}))
    assert f"（导出的新值：存款人名称「{name}」）" in hold.details["note"], hold.details["note"]


def test_a_representative_named_and_unchanged_is_held_with_the_name_and_id_masked() -> None:
    hold = _held(_change("法定代表人"), Ams({OPEN: AMS_PAGE}))
    note = hold.details["note"]
    items = "法定代表人类别、法定代表人姓名、证件种类、证件号码"
    assert note.startswith(f"变更事项「{items}」的新值与AMS现值相同"), note
    assert "李四" not in note and "360426199101010071" not in note and "0071" in note, note


@pytest.mark.parametrize(("items", "cells"), [
    ("注册地址", {"registered_address": "上海市浦东新区世纪大道100号"}),
    ("注册地址；注册资金", {"registered_capital_yuan": "2000000.00"}),  # one changes: filed
    ("经营范围", {"business_scope": "货物进出口；技术服务"}),
    ("注册资金", {"registered_capital_yuan": None}),  # 未标明 now: a change
])  # fmt: skip
def test_a_change_that_changes_a_named_item_is_not_held(items: str, cells: dict[str, Any]) -> None:
    ams = Ams({OPEN: AMS_PAGE})
    check_something_changes(_change(items, **cells), ams.history, ams.detail)


def test_ams_s_value_is_its_latest_open_or_change_on_or_before_the_row_s_date() -> None:
    moved = {**AMS_PAGE, "注册地址": "上海市浦东新区世纪大道100号"}
    ams = Ams({OPEN: AMS_PAGE, CHANGE: moved, LATER: AMS_PAGE})
    check_something_changes(_change("注册地址"), ams.history, ams.detail)  # back to the old address
    assert ams.read == [CHANGE]  # the later filing is not the row's AMS (rows_aside holds it)
    _held(_change("注册地址", registered_address="上海市浦东新区世纪大道100号"), ams)


def test_a_field_the_latest_filing_leaves_blank_is_read_from_an_earlier_one() -> None:
    ams = Ams({OPEN: AMS_PAGE, CHANGE: {**AMS_PAGE, "经营范围": ""}})
    _held(_change("经营范围"), ams)
    assert ams.read == [CHANGE, OPEN]


def test_opens_closes_and_accounts_ams_has_no_filing_of_are_not_compared() -> None:
    empty = Ams({})
    check_something_changes(_change("注册地址"), empty.history, empty.detail)
    ams = Ams({OPEN: AMS_PAGE})
    opened = _change("注册地址").model_copy(update={"action": "open", "change_items": None})
    check_something_changes(opened, ams.history, ams.detail)
    assert ams.read == []


# --- the look-up: a 变更事项 in other words for the same items is the same filing -------------

ON_THE_DAY = {"业务类型": "变更", "业务日期": "2026-11-25", "账号": ACCOUNT, "账户性质": "基本存款账户",
              "基本存款账户编号": "J3930000123401"}  # fmt: skip


@pytest.mark.parametrize(("ours", "ams_holds"), [
    ("住所、注册资本", "注册地址、注册资金"), ("1.注册地址 2.经营范围", "注册地址、经营范围"),
    ("变更注册地址", "注册地址"), ("经营范围、注册地址", "注册地址、经营范围"),
])  # fmt: skip
def test_ams_holding_the_change_in_its_own_words_is_already_filed(ours: str, ams_holds: str) -> None:
    held = {**AMS_PAGE, **ON_THE_DAY, "变更事项": ams_holds}
    ams = Ams({CHANGE_ON_THE_DAY: held})
    found = match_history(_change(ours), ams.history, ams.detail)
    assert found.already == CHANGE_ON_THE_DAY and found.conflict is None


@pytest.mark.parametrize(("ours", "ams_holds"), [
    ("注册地址", "注册地址、经营范围"), ("住所", "经营范围"), ("注册地址", "注册地址、财务负责人"),
])  # fmt: skip
def test_ams_holding_other_items_on_the_day_is_a_conflict_for_a_person(ours: str, ams_holds: str) -> None:
    held = {**AMS_PAGE, **ON_THE_DAY, "变更事项": ams_holds}
    ams = Ams({CHANGE_ON_THE_DAY: held})
    found = match_history(_change(ours), ams.history, ams.detail)
    assert found.already is None and found.conflict is not None and "变更事项" in found.conflict


PERMIT = {"基本存款账户编号": "J3930000123401"}
CAPITAL_320 = HistoryEntry("change", "2026-11-25", "100020261125000122", "/detail/5")
CAPITAL_330 = HistoryEntry("change", "2026-11-25", "100020261125000123", "/detail/6")
SCOPE_SAME_DAY = HistoryEntry("change", "2026-11-25", "100020261125000124", "/detail/7")


def test_a_later_filing_of_the_day_that_gives_a_field_another_value_is_a_conflict() -> None:
    """Tester AD: two 注册资金 changes filed by hand on one day (320万, then 330万); the row with
    320万 was found 此前已报备 by the first and the run ended 全部完成 while AMS held 330万."""
    record = _change("注册资金", registered_capital_yuan="3200000.00")
    ams = Ams({OPEN: AMS_PAGE,
               CAPITAL_320: {**AMS_PAGE, **PERMIT, "变更事项": "注册资金", "注册资金": "3,200,000.00 元"},
               CAPITAL_330: {**AMS_PAGE, **PERMIT, "变更事项": "注册资金", "注册资金": "3,300,000.00 元"}})
    found = match_history(record, ams.history, ams.detail)
    assert found.already is None and found.conflict_filing == CAPITAL_330.filing_no
    assert found.conflict is not None and "100020261125000122 与输入行相同" in found.conflict
    assert "其后的 100020261125000123 的注册资金与输入行不同" in found.conflict, found.conflict


def test_a_later_filing_of_the_day_changing_another_item_leaves_the_row_filed() -> None:
    """Two changes of one day, each of its own item (地址 in the morning, 经营范围 after): the
    row of the first is filed as it was, the second changed nothing the row files."""
    record = _change("注册地址", registered_address="北京市海淀区知春路8号")
    moved = {**AMS_PAGE, **PERMIT, "变更事项": "注册地址", "注册地址": "北京市海淀区知春路8号"}
    ams = Ams({OPEN: AMS_PAGE, CAPITAL_320: moved,
               SCOPE_SAME_DAY: {**moved, "变更事项": "经营范围", "经营范围": "货物进出口、技术进出口"}})
    found = match_history(record, ams.history, ams.detail)
    assert found.conflict is None and found.already == CAPITAL_320


def test_codes_shown_in_groups_are_the_same_codes() -> None:
    """Tester BB's F9: a bank code shown as `102 1000 99996` was taken for another bank, and a
    correct 变更 was held."""
    from bots.ams.content import page_content

    shown = page_content({"开户银行机构代码": "102 1000 99996", "账号": "6228-4800-0000-0001",
                          "统一社会信用代码": "91350200776049653a", "证件号码": "11010519491231002x"})
    assert shown == {"bank_code": "102100099996", "account_no": "6228480000000001",
                     "uscc": "91350200776049653A", "id_number": "11010519491231002X"}


def test_ams_values_shown_in_other_words_read_as_the_same_values() -> None:
    """Tester BB (2026-12-07): 注册资金 shown as `800.00 万元` or `人民币8000000.00元`, and an
    address with a space inside, read as other values, and a 变更 that changed nothing was filed;
    tester BC: `RMB…`, `… 亿元` too, and a form that reads as no amount stops the run."""
    from bots.ams import codes
    from bots.ams.content import page_content
    from rpa.errors import PortalChanged

    forms = ("800.00 万元", "人民币8000000.00元", "8,000,000.00 元", "8000000", "RMB8000000.00", "0.08 亿元")
    assert {codes.capital_yuan(shown) for shown in forms} == {"8000000.00"}
    for unread in ("捌佰万元整", "见附件"):
        with pytest.raises(PortalChanged, match="读不出金额"):
            codes.capital_yuan(unread)
    shown = page_content({"注册地址": "北京市海淀区 新址路1号", "存款人名称": "北京　青禾 科技有限公司",
                          "经营范围": "IT service 技术开发"})
    assert shown == {"registered_address": "北京市海淀区新址路1号", "depositor_name": "北京青禾科技有限公司",
                     "business_scope": "IT service技术开发"}
