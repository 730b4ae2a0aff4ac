"""`bots.screen.caption_values`: a result table read as caption -> value; a caption the bot reads
shown twice with two values is never read as either, any other may repeat."""

from __future__ import annotations

import pytest

from bots.screen import caption_values
from rpa.errors import PortalChanged

READ = ("登记状态", "法定代表人")


def test_captions_read_without_colons_and_a_synonym_as_the_caption_it_means() -> None:
    rows = [("登记状态：", " 存续 "), ("负责人:", "王 建国"), ("", "（表尾）")]
    assert caption_values(rows, "核查系统", {"负责人": "法定代表人"}, READ) == {
        "登记状态": "存续", "法定代表人": "王 建国"}


@pytest.mark.parametrize("rows", [
    [("登记状态：", "注销"), ("登记状态：", "存续")],
    [("法定代表人：", "李四"), ("负责人：", "王建国")],
])
def test_a_caption_read_shown_twice_with_two_values_is_portal_changed(rows: list[tuple[str, str]]) -> None:
    with pytest.raises(PortalChanged, match="出现两次，内容不同") as caught:
        caption_values(rows, "核查系统", {"负责人": "法定代表人"}, READ)
    assert "李四" not in str(caught.value) and "注销" not in str(caught.value)


def test_a_caption_not_read_may_repeat_and_a_same_value_twice_is_one() -> None:
    rows = [("变更事项：", "名称"), ("变更事项：", "住所"), ("登记状态：", "存续"), ("登记状态：", "存续")]
    assert caption_values(rows, "核查系统", {}, READ)["登记状态"] == "存续"


def test_a_dash_for_none_reads_as_no_value() -> None:
    """Tester BG F12 (2026-12-07): `注销日期：-` (the page's way of saying none) was read as a date."""
    rows = [("注销日期：", "-"), ("吊销日期：", " — "), ("登记状态：", "存续")]
    assert caption_values(rows, "核查系统", {}, READ) == {"注销日期": "", "吊销日期": "", "登记状态": "存续"}
