"""`bots.screen.Screen.captions` and `notices` on a real page (Chromium, `set_content`): every table
an element matches is read as caption / value rows, and the lines outside table rows (a red
notice above the table, a table's caption) are what `notices` gives."""

from __future__ import annotations

from typing import Any

import pytest

from bots.screen import Screen
from rpa.browser.selectors import PortalSelectors
from rpa.errors import PortalChanged

pytestmark = pytest.mark.browser
SELECTORS = PortalSelectors.model_validate({"unique": True, "pages": {"result": {"elements": {
    "table": {"many": True, "candidates": [{"css": "table"}, {"role": "table"}]},
    "page": [{"css": "body"}, {"role": "main"}]}}}})
PAGE = """<html><body><div class="top">某系统</div>
<p><font color="red">该企业已于2026-11-30注销，以下为注销前的登记信息</font></p>
<table id="t1"><tr><th>企业名称：</th><td>北京 星河 有限公司</td></tr>
<tr><th>登记状态：</th><td>存续</td></tr></table>
<table><caption>历史登记信息（截至2019-12-31）</caption><tr><th>成立日期：</th><td>2010-01-01</td></tr></table>
<a href="#">返回继续核查</a></body></html>"""


class _Result(Screen):
    page_name, system = "result", "某系统"


@pytest.mark.timeout(60)
def test_captions_of_every_table_and_the_lines_outside_them(page: Any) -> None:
    page.set_content(PAGE)
    screen = _Result(page, SELECTORS)
    assert screen.captions("table", {}, ["登记状态"]) == {
        "企业名称": "北京 星河 有限公司", "登记状态": "存续", "成立日期": "2010-01-01"}
    assert screen.notices("page") == ["某系统", "该企业已于2026-11-30注销，以下为注销前的登记信息",
                                      "历史登记信息（截至2019-12-31）", "返回继续核查"]
    page.set_content(PAGE.replace('<caption>', '<tr><th>登记状态：</th><td>注销</td></tr><caption>'))
    with pytest.raises(PortalChanged, match="「登记状态」出现两次"):
        screen.captions("table", {}, ["登记状态"])
