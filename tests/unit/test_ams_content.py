"""信息核对 compares the labels AMS displays with the record's labels, never codes."""

from __future__ import annotations

import pytest

from bots.ams.content import differing_fields, page_content
from flows.account_filing.records import FilingRecord

FIELDS = ("account_kind", "depositor_category", "legal_rep_role", "id_type")


def _record(**changes: str) -> FilingRecord:
    values = {
        "action": "open",
        "account_no": "6228480012345678901",
        "account_kind": "basic",
        "business_date": "2026-11-20",
        "depositor_name": "北京华信科技有限公司",
        "depositor_category": "企业法人",
        "uscc": "91110000600037341L",
        "legal_rep_role": "法定代表人",
        "legal_rep_name": "张三",
        "id_type": "护照",
        "id_number": "E12345678",
        "registered_address": "北京市朝阳区建国路88号",
        "bank_code": "102100099996",
    }
    return FilingRecord.model_validate({**values, **changes})


def _shown(id_type: str, category: str = "31-企业法人") -> dict[str, str]:
    return page_content(
        {
            "业务类型": "开户",
            "账户性质": "基本存款账户",
            "存款人类别": category,
            "法定代表人类别": "法定代表人",
            "证件种类": id_type,
        }
    )


def test_the_displayed_labels_match_whatever_code_the_portal_puts_before_them() -> None:
    assert differing_fields(_record(), _shown("护照"), ("action", *FIELDS)) == []
    assert differing_fields(_record(), _shown(" 06-护照 ", "01- 企业法人"), FIELDS) == []


def test_a_different_label_is_a_difference_even_under_the_same_code() -> None:
    # code 6 is 护照 on one list and 港澳居民来往内地通行证 on another: only the label counts
    assert differing_fields(_record(), _shown("6-港澳居民来往内地通行证"), FIELDS) == ["id_type"]
    assert differing_fields(_record(), _shown("护照", "01-非法人企业"), FIELDS) == ["depositor_category"]


def test_a_field_asked_twice_differs_once() -> None:
    """Tester AV of 2026-12-07: a held row's note read 账户性质、账户性质 (the page's key fields and
    the compared ones both name it)."""
    from flows.account_filing.notes import field_labels

    differing = differing_fields(_record(), _shown("6-港澳居民来往内地通行证"), ("id_type", *FIELDS))
    assert differing == ["id_type"] and field_labels(["account_kind", "account_kind"]) == "账户性质"


@pytest.mark.parametrize(("pairs", "day"), [
    ({"业务类型": "变更", "开户日期": "2026-11-02", "变更日期": "2026/11/30"}, "2026-11-30"),
    ({"业务类型": "01-撤销", "开户日期": "2026-11-02", "撤销日期": "2026年12月1日"}, "2026-12-01"),
    ({"业务类型": "开户", "业务日期": "2026.11.27"}, "2026-11-27"),
    ({"开户日期": "2026-11-02"}, "2026-11-02"),  # no 业务类型: the date shown
])  # fmt: skip
def test_a_page_s_date_is_its_action_s_own_as_a_day(pairs: dict[str, str], day: str) -> None:
    assert page_content(pairs)["business_date"] == day
