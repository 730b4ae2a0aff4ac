"""One class per screen of the registration check system (`bots.screen.Screen`: each page checked
first for a lost session, 系统繁忙, 5xx or the batch window), methods named for the clerk's steps."""

from __future__ import annotations

from dataclasses import dataclass

from bots.report_states import playwright_errors
from bots.screen import Screen
from rpa.errors import LoginRefused, PortalChanged
from rpa.masking import mask_tail

SYSTEM = "企业信息联网核查系统"
# the result table's captions, by Registration field; one missing is PortalChanged naming it
CAPTIONS = {"credit_code": "统一社会信用代码", "name": "企业名称", "legal_rep": "法定代表人",
            "status": "登记状态", "authority": "登记机关"}
STATES = ("经营状态", "经营状况", "吊销日期", "注销日期", "备注", "说明")  # beside 登记状态 (BD F2, BG F14)
NOTICES = ("注销", "吊销", "撤销", "停业", "歇业", "清算", "迁出", "历史", "曾用", "解散", "破产", "关闭",
           "撤并")  # in a notice beside the table (tester BD F6, BG F5)
SAME = {"负责人": "法定代表人", "法人代表": "法定代表人", "法人": "法定代表人", "名称": "企业名称"}  # BD F7


@dataclass(frozen=True)
class Registration:
    """An enterprise as the check system shows it."""

    credit_code: str
    name: str
    legal_rep: str
    status: str
    authority: str


class LoginPage(Screen):
    system, page_name = SYSTEM, "login"

    def log_in(self, base_url: str, code: str, password: str) -> None:
        """Log in once; a refusal is LoginRefused in the system's words, never retried here."""
        with playwright_errors("登录", SYSTEM):
            self.submit(f"{base_url.rstrip('/')}/ecis/login.do", dict(operator_code=code, password=password))
            if not self.elements("query").present("operator_info"):
                words = " ".join(self.elements().locate("message").inner_text().split())
                raise LoginRefused(f"{SYSTEM}拒绝操作员 {mask_tail(code)} 登录", portal_message=words)


class QueryPage(Screen):
    system, page_name = SYSTEM, "query"

    def check(self, base_url: str, credit_code: str, name: str) -> None:
        """Enter the 统一社会信用代码 and the name, press 核 查."""
        with playwright_errors("查询", SYSTEM):
            self.submit(f"{base_url.rstrip('/')}/ecis/query.do", {"credit_code": credit_code, "name": name})

    def message(self) -> str:
        """What the query page says above its form (未查询到…)."""
        with playwright_errors("读取查询页", SYSTEM):
            return " ".join(self.elements().locate("message").inner_text().split())

    def log_out(self, base_url: str) -> None:
        """Back to the query page, the one with [退出] (from a result or an error page too), and out."""
        with playwright_errors("退出", SYSTEM):
            self.arrived(self.page.goto(f"{base_url.rstrip('/')}/ecis/query.do"))
            with self.page.expect_navigation():
                self.elements().locate("logout").click()


class ResultPage(Screen):
    system, page_name = SYSTEM, "result"

    def registration(self) -> Registration | None:
        """The registration shown; None on the query page (see its message); a row gone: PortalChanged."""
        with playwright_errors("读取核查结果", SYSTEM):
            if self.elements("query").present("credit_code"):
                return None
            shown = self.captions("table", SAME, [*CAPTIONS.values(), *STATES])
            said = [f"；页面另有「{t}」" for t in self.notices("page") if any(w in t for w in NOTICES)]
        if missing := [caption for caption in CAPTIONS.values() if caption not in shown]:
            raise PortalChanged(f"{SYSTEM}的结果页没有「{'、'.join(missing)}」一行", code="result_unreadable")
        said += [f"；{c}：{v}" for c in STATES if (v := shown.get(c)) and v != shown["登记状态"]]
        return Registration(**{f: shown[c] + "".join(said) * (f == "status") for f, c in CAPTIONS.items()})
