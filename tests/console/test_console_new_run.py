"""新建任务 (issue #21): upload an export, see every row's problems, start, watch the progress pushed
by server-sent events reach the end, download the result; the mock AMS is the judge of what was
filed. An auditor gets 403 when starting a run; a file that is not a workbook is refused.

The export is written here by hand, in the canonical headers of DOMAIN.md, with IDs of the real
world's shape (check digits as GB 32100 / GB 11643 give them)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from rpa.audit.log import AuditLog
from tests.console.conftest import Console, shoot
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser]

HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资金(万元)", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]  # fmt: skip
GOOD_A = "6228480012345670027"
GOOD_B = "6228480012345670035"


def _export(path: Path) -> Path:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    def opening(account: str, name: str, uscc: str, rep: str, id_no: str, address: str, scope: str,
                clerk: str) -> list[str]:
        return ["开户", account, "基本存款账户", today, name, "01", uscc, "法定代表人", rep,
                "居民身份证", id_no, address, "500", scope, "102100099996", "", "", "", "", clerk]

    rows = [
        opening(GOOD_A, "北京华信科技有限公司", "91110000600037341L", "张三", "11010519491231002X",
                "北京市朝阳区建国路88号", "技术开发", "310001"),
        opening(GOOD_B, "厦门海联贸易有限公司", "91350200776049653A", "李四", "360426199101010071",
                "厦门市思明区湖滨南路1号", "货物进出口", "310002"),
        # the last character of the credit code is not its check digit
        opening("6228480012345670043", "上海明远实业有限公司", "91110000600037341A", "王五",
                "11010519491231002X", "上海市浦东新区世纪大道100号", "实业投资", "310001"),
        # no legal representative's name
        opening("6228480012345670051", "广州恒通物流有限公司", "91350200776049653A", "",
                "360426199101010071", "广州市天河区体育西路1号", "道路运输", "310002"),
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "开户清单"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _upload(console: Console, screen: Any, path: Path) -> None:
    """Upload `path` on 新建任务, as a clerk does."""
    screen.goto(console.url + "/runs/new")
    screen.get_by_label("导出文件").set_input_files(str(path))
    screen.get_by_role("button", name="上传并校验").click()


def _signed_in(console: Console, screen: Any, name: str) -> None:
    console.login(screen, name)
    screen.wait_for_url(console.url + "/")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_upload_preview_start_progress_and_download(console: Console, screen: Any, ams_env: AmsHandle,
                                                    tmp_path: Path) -> None:
    ams = ams_env  # what the run's own process reads: it starts from the console with this environment
    _signed_in(console, screen, "wang.jb")
    screen.get_by_role("navigation").get_by_role("link", name="新建任务").click()
    shoot(screen, "06-新建任务")
    screen.get_by_label("导出文件").set_input_files(str(_export(tmp_path / "核心系统导出.xlsx")))
    screen.get_by_role("button", name="上传并校验").click()
    screen.wait_for_url("**/preview")
    heading = screen.get_by_role("heading", name="校验结果：核心系统导出.xlsx")
    assert heading.is_visible(), screen.inner_text("main")
    problems = screen.locator("section", has_text="有问题的行")
    uscc = problems.locator("tr", has_text="统一社会信用代码")
    assert "4" in uscc.locator("td").nth(1).inner_text() and "***0043" in uscc.inner_text()
    rep = problems.locator("tr", has_text="法定代表人姓名")
    assert rep.locator("td").nth(1).inner_text() == "5"
    assert GOOD_A not in screen.content()  # accounts masked in the preview
    shoot(screen, "07-校验结果")
    screen.get_by_role("button", name="开始运行（报备 2 行）").click()
    screen.wait_for_url("**/progress")
    verdict = screen.locator("#verdict[data-finished='1']")
    verdict.wait_for(timeout=240_000)
    assert "已结束，有事项需要处理" in verdict.inner_text()  # two rows were invalid: exit 1
    assert screen.locator("#done").inner_text() == "2"
    assert screen.locator("#ended").inner_text() == screen.locator("#total").inner_text()
    shoot(screen, "08-运行进度")
    filed = {f["account_no"]: f["submitted"] for f in ams.filings()}
    assert filed == {GOOD_A: 1, GOOD_B: 1}  # the valid rows, once each; nothing of the invalid ones
    screen.get_by_role("link", name="任务详情").click()
    run_id = screen.url.rsplit("/", 1)[1]
    run = json.loads((console.settings.runs_dir / run_id / "run.json").read_text(encoding="utf-8"))
    assert run["parameters"]["maker"] == "wang.jb" and run["trigger"] == "console:wang.jb"
    assert screen.get_by_text("核对通过").is_visible()
    shoot(screen, "09-任务详情-运行后")
    with screen.expect_download() as info:
        screen.get_by_role("link", name="下载 result.xlsx").click()
    info.value.save_as(tmp_path / "result.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "result.xlsx")["报备结果"]
    texts = [" ".join(str(v) for v in row if v is not None) for row in sheet.iter_rows(values_only=True)]
    assert sum("已报备" in text for text in texts) == 2
    inline = screen.request.get(f"{console.url}/runs/{run_id}/files/result.xlsx")  # tester W's B1
    assert inline.ok and inline.body()[:2] == b"PK"
    events = AuditLog.from_settings(console.settings).events(None)
    started = [e for e in events if e.event == "console.run_started"]
    assert started and started[0].actor == "console:wang.jb"
    downloads = [(e.details["run"], e.details["file"]) for e in events if e.event == "console.download"]
    assert downloads == [(run_id, "result.xlsx")] * 2, downloads  # the link, the inline route
    uploaded = [e.details for e in events if e.event == "console.export_uploaded"]
    assert uploaded and uploaded[0]["original"] == "核心系统导出.xlsx", uploaded  # the clerk's name of it
    # tester AI's F4: a download outside the run's folder is refused and the refusal recorded
    outside = screen.request.get(f"{console.url}/runs/{run_id}/download?file=../queue.db")
    assert outside.status == 400
    refused = [e.details for e in AuditLog.from_settings(console.settings).events(None)
               if e.event == "console.refused"]
    assert any("queue.db" in str(said.get("said")) and said.get("status") == 400 for said in refused), refused
    # tester AJ's F7: a path no route takes, `..` in it, is recorded too
    assert screen.request.get(f"{console.url}/runs/..%2Fqueue.db").status == 404
    refused = [e.details for e in AuditLog.from_settings(console.settings).events(None)
               if e.event == "console.refused"]
    assert any(said.get("status") == 404 and "queue.db" in str(said.get("path")) for said in refused), refused

    # the stored upload is the export the run read: edited afterwards, verify names it
    folder = console.settings.runs_dir / run_id
    stored = folder / json.loads((folder / "upload.json").read_text(encoding="utf-8"))["file"]
    holds = f"上传的输入文件 {stored.name} 的 SHA-256 与审计链记录的运行读取时一致"
    assert holds in screen.inner_text("main")
    book = openpyxl.load_workbook(stored)
    book.active["L2"] = "北京市海淀区中关村大街1号"  # 注册地址 of the first filed row
    book.save(stored)
    screen.reload()
    assert not screen.get_by_text("核对通过").is_visible()
    differs = f"上传的输入文件 {stored.name} 的 SHA-256 与运行读取时审计链记录的不同"
    assert differs in screen.inner_text("main")


@pytest.mark.timeout(120)
def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(console: Console, screen: Any,
                                                                 tmp_path: Path) -> None:
    fake = tmp_path / "导出.xlsx"
    fake.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00\x00")
    _signed_in(console, screen, "wang.jb")
    _upload(console, screen, fake)
    alert = screen.get_by_role("alert")
    assert "上传的文件是 PDF，不是导出的账户清单" in alert.inner_text()
    shoot(screen, "10-上传被拒")
    leftovers = [p for p in console.settings.runs_dir.iterdir() if p.is_dir() and "account_filing" in p.name]
    assert leftovers == []  # nothing of the refused file is kept

    # tester AI's F3: text named .xlsx is no workbook, as the command line says of it (it was
    # stored as CSV and refused as having no header)
    notes = tmp_path / "备忘.xlsx"
    notes.write_text("明天记得报备\n找王经理签字\n", encoding="utf-8")
    _upload(console, screen, notes)
    said = screen.get_by_role("alert").inner_text()
    assert "上传的文件名是 .xlsx，内容却不是 Excel 工作簿" in said and "export-" not in said, said
    # tester W's C2: text that reads as CSV without an export's header: named as the clerk's file
    notes = tmp_path / "备忘.csv"
    notes.write_text("明天记得报备\n找王经理签字\n", encoding="utf-8")
    _upload(console, screen, notes)
    said = screen.get_by_role("alert").inner_text()
    assert "备忘.csv：无法读取 备忘.csv：在前" in said and "export-" not in said, said
    assert "请确认是核心系统导出的账户清单" in said
    # tester AI's F4: each refusal is in the audit chain with the clerk's file name
    refused = [str(e.details.get("said")) for e in AuditLog.from_settings(console.settings).events(None)
               if e.event == "console.refused"]
    named = [any(name in said for said in refused) for name in ("导出.xlsx", "备忘.xlsx", "备忘.csv")]
    assert named == [True] * 3, refused


@pytest.mark.timeout(120)
def test_a_zip_that_is_not_a_workbook_and_a_file_over_the_limit_are_refused(
    console: Console, screen: Any, tmp_path: Path
) -> None:
    import zipfile

    archive = tmp_path / "导出.xlsx"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "不是工作簿")
    _signed_in(console, screen, "wang.jb")
    _upload(console, screen, archive)
    assert "不是 Excel 工作簿" in screen.get_by_role("alert").inner_text()
    # tester AJ's F6: a workbook named .zip is refused by its name, as the command line does
    named_zip = tmp_path / "导出.zip"
    named_zip.write_bytes(_export(tmp_path / "real.xlsx").read_bytes())
    _upload(console, screen, named_zip)
    assert "上传的文件名是 .zip：只支持 .xlsx 和 .csv 文件" in screen.get_by_role("alert").inner_text()
    big = tmp_path / "大.csv"
    big.write_bytes(b"a,b\n" * (21 * 1024 * 1024 // 4))  # past the default 20 MB
    _upload(console, screen, big)
    assert "20 MB" in screen.inner_text("main")


@pytest.mark.timeout(120)
def test_an_export_with_a_header_and_no_row_is_said_so_and_offers_no_run(
    console: Console, screen: Any, tmp_path: Path
) -> None:
    """Tester AI's F6: 每一行都通过了校验 and 开始运行（报备 0 行） for an export cut to its header."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "开户清单"
    sheet.append(HEADERS)
    book.save(tmp_path / "空.xlsx")
    _signed_in(console, screen, "wang.jb")
    _upload(console, screen, tmp_path / "空.xlsx")
    screen.wait_for_url("**/preview")
    shown = screen.inner_text("main")
    assert "只有表头，没有数据行" in shown and "每一行都通过了校验" not in shown, shown
    assert screen.get_by_role("button", name=re.compile("开始运行")).count() == 0


@pytest.mark.timeout(120)
def test_an_auditor_gets_403_when_starting_a_run(console: Console, screen: Any, tmp_path: Path) -> None:
    _signed_in(console, screen, "zhao.sj")
    assert screen.get_by_role("link", name="新建任务").count() == 0
    answer = screen.goto(console.url + "/runs/new")
    assert answer.status == 403 and "审计角色不能执行此操作" in screen.inner_text("main")
    token = screen.locator("input[name=csrf_token]").first.get_attribute("value")
    export = _export(tmp_path / "export.xlsx")
    posted = screen.request.post(console.url + "/runs/new", multipart={
        "csrf_token": token,
        "export": {"name": "export.xlsx", "mimeType": "application/octet-stream",
                   "buffer": export.read_bytes()},
    })
    assert posted.status == 403
    started = screen.request.post(console.url + "/runs/20261201-091502-account_filing-7c1e9a/start",
                                  form={"csrf_token": token})
    assert started.status == 403
    assert not any(p.is_dir() for p in console.settings.runs_dir.glob("*account_filing*"))


@pytest.mark.timeout(180)
def test_pressing_start_twice_starts_one_run(console: Console, screen: Any, tmp_path: Path) -> None:
    """A double click on 开始运行 (the same form posted twice at once) starts the run once: the
    second request is shown the first one's progress, and the upload is never started again."""
    _signed_in(console, screen, "wang.jb")
    screen.goto(console.url + "/runs/new")
    screen.get_by_label("导出文件").set_input_files(str(_export(tmp_path / "导出.xlsx")))
    screen.get_by_role("button", name="上传并校验").click()
    screen.wait_for_url("**/preview")
    run_id = screen.url.rsplit("/", 2)[1]
    url = f"{console.url}/runs/{run_id}/start"
    # tester W's A3: another user starting this upload would make the uploader free to approve it
    _signed_in(console, screen, "admin01")
    screen.goto(f"{console.url}/runs/{run_id}/preview")
    token = screen.locator("input[name=csrf_token]").first.get_attribute("value")
    other = screen.request.post(url, form={"csrf_token": token, "approval": "1"}, max_redirects=0)
    assert other.status == 403 and "只有上传者本人可以开始这次运行" in other.text(), other.text()
    assert not console.app.state.console.children
    _signed_in(console, screen, "wang.jb")
    screen.goto(f"{console.url}/runs/{run_id}/preview")
    token = screen.locator("input[name=csrf_token]").first.get_attribute("value")
    answers = [screen.request.post(url, form={"csrf_token": token, "dry_run": "1"}, max_redirects=0)
               for _ in range(3)]
    assert [a.status for a in answers] == [303, 303, 303]
    assert {a.headers["location"] for a in answers} == {f"/runs/{run_id}/progress"}
    assert len(console.app.state.console.children) == 1  # one run process, not one per press
    events = AuditLog.from_settings(console.settings).events(None)
    assert len([e for e in events if e.event == "console.run_started"]) == 1
    back = screen.request.get(f"{console.url}/runs/{run_id}/preview", max_redirects=0)
    assert back.status == 303 and back.headers["location"] == f"/runs/{run_id}/progress"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_csv_runs_rows_are_named_by_the_clerks_file(
        console: Console, screen: Any, ams_env: AmsHandle, tmp_path: Path) -> None:
    # tester AJ's F8: 任务详情 named a CSV's rows by the stored copy (export-….csv)
    rows = list(openpyxl.load_workbook(_export(tmp_path / "source.xlsx")).active.iter_rows(values_only=True))
    export = tmp_path / "开户导出.csv"
    lines = [",".join(str(v or "") for v in row) + "\n" for row in (rows[0], rows[2], rows[3])]
    export.write_text("".join(lines), encoding="utf-8")
    _signed_in(console, screen, "wang.jb")
    _upload(console, screen, export)
    screen.wait_for_url("**/preview")
    screen.get_by_role("button", name="开始运行（报备 1 行）").click()
    screen.wait_for_url("**/progress")
    screen.locator("#verdict[data-finished='1']").wait_for(timeout=240_000)
    screen.get_by_role("link", name="任务详情").click()
    table = screen.locator("section", has_text="事项（已脱敏）").locator("tr").all_inner_texts()
    header, *lines = (line.split("\t") for line in table)
    shown = [dict(zip(header, line, strict=True)) for line in lines]
    assert [row["行号"] for row in shown] == ["开户导出.csv 第 2 行", "开户导出.csv 第 3 行"], shown
    assert shown[1]["结果"] == "无效，未报备", shown
