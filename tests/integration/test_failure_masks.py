"""A failure screenshot masks the item's personal values wherever its page shows them, on a page
no selector knows (`rpa.browser.text_masks`), real Chromium: the mock 企业信息联网核查系统 answering
a query with its result page cut short under 500 系统繁忙 (the row's credit code, name and 法定代表人
blacked out, the message and the captions readable), and a page served here holding values in
text, an input, a textarea, a select and an iframe, written in other widths, spacing and case.
A success screenshot keeps only its own masks, and the page keeps no mark of the masking. A page
that loses its marks before the screenshot (it draws the element anew) keeps no screenshot. A run
of `enterprise-check` whose answer comes after the bot gave up masks the answer page.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from loguru import logger
from PIL import Image

from bots.enterprise_check.pages import LoginPage, QueryPage, ResultPage
from flows.enterprise_check.flow import EnterpriseCheckFlow
from rpa.audit.log import AuditLog
from rpa.browser.evidence import item_evidence, take_screenshot
from rpa.browser.selectors import load_selectors
from rpa.browser.session import BrowserSession
from rpa.browser.text_masks import MARK
from rpa.errors import RpaError
from rpa.masking import personal_values
from rpa.queue.work_queue import WorkItem, WorkQueue
from rpa.run.flow import WorkerContext
from rpa.run.orchestrate import execute_run
from rpa.run.portal_worker import portal_worker
from rpa.settings import PROJECT_ROOT, OperatorCredential, Settings
from tests.check_exports import open_row, uscc, write_export
from tests.integration.pixels import red_pixels, share_masked

pytestmark = pytest.mark.browser

RUN = "run-failure-masks"
CODE = uscc("91110105MA01QX7B3")
ROW = {"sheet": "Sheet1", "row": 7, "action": "open", "credit_code": CODE,
       "name": "北京青松咨询有限公司", "legal_rep": "甲乙"}
BUSY = "系统繁忙，请稍后再试"


def _image(path: Path | None) -> Image.Image:
    assert path is not None and path.is_file()
    return Image.open(io.BytesIO(path.read_bytes())).convert("RGB")


def _busy_and_cut(route: Any) -> None:
    """The portal's real answer, cut before 登记状态 and ending in 系统繁忙, under HTTP 500."""
    html = route.fetch().body().decode("gbk")
    cut = html[: html.index("<tr><th>登记状态")]
    page = f'{cut}</table><p><font color="#cc0000" class="busy">{BUSY}</font></p></body></html>'
    route.fulfill(status=500, body=page.encode("gbk"), content_type="text/html; charset=GBK")


@pytest.mark.timeout(120)
def test_a_cut_answer_page_under_500_masks_the_rows_values(
    check_portal: Any, tmp_path: Path, browser: Any
) -> None:
    check_portal.plant([{k: ROW[k] for k in ("credit_code", "name", "legal_rep")}])
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    queue, audit = WorkQueue(url), AuditLog(url, b"k" * 32)
    queue.create_schema()
    audit.create_schema()
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                        check_url=check_portal.url, action_timeout_ms=5_000)
    code, password = check_portal.operators[0]
    wctx = WorkerContext(
        run_id=RUN, flow="enterprise-check", worker_index=0, owner="w1", settings=settings,
        folder=tmp_path / "run", audit=audit, log=logger.bind(), params={},
        operator=OperatorCredential(code=code, password=password), queue=queue,
        payload_not_personal=EnterpriseCheckFlow.payload_not_personal,
    )  # fmt: skip
    queue.enqueue("enterprise-check", RUN, "row-7", ROW)
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert isinstance(item, WorkItem)
    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")
    with portal_worker(wctx, "enterprise_check", "企业信息联网核查系统", browser=browser) as work:
        query, result = QueryPage(work.page, selectors), ResultPage(work.page, selectors)
        work.log_in(lambda c, p: LoginPage(work.page, selectors).log_in(check_portal.url, c, p))
        work.page.route("**/ecis/queryAction.do", _busy_and_cut)
        with pytest.raises(RpaError), work.evidence(item):  # as the flow's handler does
            query.check(check_portal.url, ROW["credit_code"], ROW["name"])
            result.registration()
        image = _image(wctx.evidence_dir / f"{work.ref(item)}-failure.png")

        page = work.page
        assert BUSY in page.locator("font.busy").inner_text()  # the page the item failed on
        for caption, shown in (("统一社会信用代码", CODE), ("企业名称", ROW["name"]), ("法定代表人", "甲乙")):
            cell = page.locator(f"xpath=//th[contains(., '{caption}')]/following-sibling::td[1]")
            assert cell.inner_text().strip() == shown
            assert share_masked(image, cell) > 0.97, caption
            assert share_masked(image, page.locator("th").filter(has_text=caption)) < 0.02, caption
        message = page.locator("font.busy")
        assert share_masked(image, message) < 0.02 and red_pixels(image, message) > 100
        assert page.locator(f"[{MARK}]").count() == 0  # the marks are taken off again


PAGE = """<!doctype html><meta charset="utf-8"><title>出错了</title>
<style>div, input, textarea, select, iframe {display: block; width: 360px; margin: 8px}</style>
<p class="msg" style="color:#c00; font-size:20px">系统繁忙，请稍后再试</p>
<div class="echo">查询条件：ＯＵＹＡＮＧ　ｚｈｅｎｈｕａ</div>
<div class="short">王</div>
<div class="plain">开户银行：城西支行</div>
<input class="typed"><textarea class="note"></textarea>
<select class="who"><option>请选择</option><option>欧阳 振华</option></select>
<iframe style="height:90px" srcdoc="<div class='inner'>账号 6222 0202 0011 2233 445</div>
  <input class='framed' value='证件 11010519491231002X' style='width:300px'>"></iframe>"""


@pytest.mark.timeout(120)
def test_values_are_masked_in_text_inputs_selects_and_frames_but_not_on_success(
    tmp_path: Path, browser: Any
) -> None:
    payload = {"action": "open", "legal_rep_pinyin": "Ouyang Zhenhua", "legal_rep": "欧阳振华",
               "initial": "王", "account_no": "6222020200112233445", "id_number": "11010519491231002X",
               "branch": "城西"}
    personal = personal_values(payload, frozenset({"action", "branch"}))
    session = BrowserSession(Settings(), evidence_dir=tmp_path / "evidence", trace_dir=tmp_path / "traces",
                             browser=browser)
    with session:
        page = session.new_page()
        page.set_content(PAGE)
        frame = page.frame_locator("iframe")
        frame.locator(".inner").wait_for()
        plain = _image(take_screenshot(page, tmp_path / "success.png"))  # a success: its masks only
        assert share_masked(plain, page.locator(".echo")) < 0.02
        with pytest.raises(RuntimeError, match="broke"), item_evidence(
            session, page, "ref-any", attempt=1, personal=personal
        ) as failed:
            page.locator(".typed").fill("客户 欧阳振华 已核实")
            page.locator(".note").fill("复核：6222020200112233445")
            page.locator(".who").select_option(index=1)
            raise RuntimeError("item broke")
        image = _image(failed.screenshot)

        for masked in (page.locator(".echo"), page.locator(".typed"), page.locator(".note"),
                       page.locator(".who"), frame.locator(".inner"), frame.locator(".framed")):
            assert share_masked(image, masked) > 0.97, masked
        for readable in (page.locator(".short"), page.locator(".plain")):  # 1 character; kept fields
            assert share_masked(image, readable) < 0.02, readable
        message = page.locator(".msg")
        assert share_masked(image, message) < 0.02 and red_pixels(image, message) > 100
        assert page.locator(f"[{MARK}]").count() == 0 and frame.locator(f"[{MARK}]").count() == 0


# a page that draws an element anew whenever one of its attributes changes (a mark among them)
RERENDERING = """<!doctype html><meta charset="utf-8"><title>出错了</title>
<div class="echo">查询条件：欧阳振华</div>
<script>
new MutationObserver(() => {
  const old = document.querySelector('.echo');
  const drawn = document.createElement('div');
  Object.assign(drawn, {className: 'echo', textContent: old.textContent});
  old.replaceWith(drawn);
}).observe(document.body, {attributes: true, subtree: true});
</script>"""


@pytest.mark.timeout(120)
def test_a_page_that_loses_its_marks_before_the_screenshot_keeps_none(tmp_path: Path, browser: Any) -> None:
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(m.record["message"]), level="WARNING")
    session = BrowserSession(Settings(), evidence_dir=tmp_path / "evidence", trace_dir=tmp_path / "traces",
                             browser=browser)
    try:
        with session:
            page = session.new_page()
            page.set_content(RERENDERING)
            with pytest.raises(RuntimeError, match="broke"), item_evidence(
                session, page, "ref-redrawn", attempt=1, personal=["欧阳振华"]
            ) as failed:
                raise RuntimeError("item broke")  # the item's own error still goes up
            assert page.locator(".echo").inner_text() == "查询条件：欧阳振华"
    finally:
        logger.remove(sink)
    assert failed.screenshot is None and not list((tmp_path / "evidence").glob("*.png"))
    assert any(w.startswith("未能截取失败时的截图：页面在遮盖个人信息时发生了变化") for w in warnings), \
        warnings


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_check_run_whose_answer_comes_after_the_timeout_masks_the_answer_page(
    check_portal: Any, tmp_path: Path, page: Any
) -> None:
    """The bot gives up on the query after 5 s; the answer page comes at 8 s, while the failure
    screenshot waits for a document to mask: the answer page, the row's values masked."""
    check_portal.plant([{k: ROW[k] for k in ("credit_code", "name", "legal_rep")}])
    check_portal.set_faults(latency_ms=8_000, latency_paths=["/ecis/queryAction.do"])
    export = write_export(tmp_path / "export.xlsx",
                          [open_row("6228480012345600007", ROW["name"], CODE, ROW["legal_rep"])])
    settings = Settings(
        runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
        check_url=check_portal.url, action_timeout_ms=5_000, max_attempts=1,
        check_operators=[OperatorCredential(code=c, password=p) for c, p in check_portal.operators[:1]],
    )
    outcome = execute_run(settings, "enterprise-check", {"flow_params": {"input": str(export)}}, workers=1)
    check_portal.set_faults(latency_ms=0)
    assert outcome.counts["failed"] == 1, outcome
    shots = list((outcome.folder / "evidence").glob("*-failure.png"))
    assert len(shots) == 1, shots
    image = _image(shots[0])

    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")  # the same page here
    LoginPage(page, selectors).log_in(check_portal.url, *check_portal.operators[0])
    QueryPage(page, selectors).check(check_portal.url, CODE, ROW["name"])
    for caption, shown in (("统一社会信用代码", CODE), ("企业名称", ROW["name"]), ("法定代表人", "甲乙"),
                           ("核查输入名称", ROW["name"])):
        cell = page.locator(f"xpath=//th[contains(., '{caption}')]/following-sibling::td[1]")
        assert cell.inner_text().strip() == shown
        assert share_masked(image, cell) > 0.97, caption
        assert share_masked(image, page.locator("th").filter(has_text=caption)) < 0.02, caption
    status = page.locator("xpath=//th[contains(., '登记状态')]/following-sibling::td[1]")
    assert share_masked(image, status) < 0.02  # 存续: not the row's
