"""`rpa run account-reconciliation` through the real command against the mock AMS.

A filing run files two rows first (AMS refuses a third); AMS then loses one of them (its state
is reset and only the other filing is put back, under its own number), clerks file two more
rows by hand (one with a differently written name, 数据不一致 only) and another branch files an account of its
own. With a second export of rows nobody filed, each class holds exactly the rows written down
here by hand, deadlines judged as of Friday 2026-11-20: the run exits 1 (one overdue, one
differs). The first export alone for 2026-11-16 is all confirmed: exit 0. Bad dates or inputs
exit 2 in Chinese. An AMS whose list page renamed a header stops the run (exit 3) naming it,
and no workbook is written.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from
from tests.integration.alert_receivers import HttpReceiver

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BANK = "102100099996"  # open_row's bank
A, G = "6228480012340000011", "6228480012340000029"  # filed by our run
K = "6228480012340000078"  # refused by AMS in our run (its basic account is unknown there)
B, C, D, E = "6228480012340000037", "6228480012340000045", "6228480012340000052", "6228480012340000060"
F, H = "6228480099990000018", "6228480099990000026"  # another branch's, not in our exports
NAMES = {A: "北京中关村启明软件有限公司", G: "北京海淀华清电子有限公司", B: "北京朝阳东方广告有限公司",
         C: "北京丰台兴业建材有限公司", D: "北京通州运河物流有限公司", E: "北京昌平沙河机械有限公司",
         F: "天津滨海港口服务有限公司", H: "天津和平商贸有限公司", K: "北京西城金街咨询有限公司"}  # fmt: skip
CODES = {acct: uscc(f"911101087{acct[-8:]}") for acct in NAMES}


def _general(account: str, day: str) -> list[Any]:
    """A 一般存款账户 开户 (5 working days to file), under its basic account's number."""
    row = open_row(account, NAMES[account], CODES[account], "刘洋", day)
    row[2], row[15] = "一般存款账户", "J1021000000019"
    return row


def _by_hand(account: str, day: str, name: str | None = None) -> dict[str, Any]:
    """A basic account's 开户 as a clerk typed it into AMS (the rows' own values)."""
    return {"action": "open", "account_no": account, "account_kind": "basic", "business_date": day,
            "depositor_name": name or NAMES[account], "depositor_category": "企业法人",
            "uscc": CODES[account], "legal_rep_role": "法定代表人", "legal_rep_name": "刘洋",
            "id_type": "居民身份证", "id_number": "11010519491231002X",
            "registered_address": "北京市朝阳区建国路88号", "registered_capital_yuan": "5000000.00",
            "business_scope": "技术开发", "bank_code": BANK, "operator_id": "BR0117"}  # fmt: skip


def _cli(tmp_path: Path, ams: Any, **extra: str) -> CliEnv:
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    return make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators, **extra)


def _sheets(cli: CliEnv, stdout: str) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(cli.runs / run_id_from(stdout) / "reconciliation.xlsx")
    return {sheet.title: list(sheet.iter_rows(min_row=2, values_only=True)) for sheet in book.worksheets}


def _summary(cli: CliEnv, stdout: str) -> dict[Any, Any]:
    return dict(load_workbook(cli.runs / run_id_from(stdout) / "reconciliation.xlsx")["汇总"].values)


@pytest.mark.timeout(400)
def test_each_class_holds_its_rows_and_overdue_or_differing_exits_1(
    ams: Any, tmp_path: Path, http: HttpReceiver
) -> None:
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(f"webhook:\n  url: {http.url}\n", encoding="utf-8")
    cli = _cli(tmp_path, ams, RPA_ALERTS_FILE=str(alerts))
    filed = write_export(tmp_path / "filed.xlsx", [open_row(A, NAMES[A], CODES[A], "刘洋", "2026-11-16"),
                                                   open_row(G, NAMES[G], CODES[G], "刘洋", "2026-11-17"),
                                                   _general(K, "2026-11-18")])
    run = cli.run("run", "account-filing", "--input", str(filed), "--workers", "1", timeout=240, check_exit=1)
    filing_run = run_id_from(run.stdout)
    kept = [f["record"] for f in ams.filings() if f["account_no"] == A]
    ams.reset()  # AMS no longer holds G's filing; A's is put back under its own number
    number_a = ams.plant(kept)[0]
    ams.plant([_by_hand(D, "2026-11-19"), _by_hand(E, "2026-11-19", "北京昌平沙河机械股份有限公司"),
               _by_hand(F, "2026-11-20"), _by_hand(H, "2026-11-23")])
    others = write_export(tmp_path / "others.xlsx", [
        _general(B, "2026-11-17"), open_row(C, NAMES[C], CODES[C], "刘洋", "2026-11-18"),
        open_row(D, NAMES[D], CODES[D], "刘洋", "2026-11-19"),
        open_row(E, NAMES[E], CODES[E], "刘洋", "2026-11-19"),
    ])  # fmt: skip

    done = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-20",
                   "--input", str(filed), "--input", str(others), "--as-of", "2026-11-20", timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    sheets = _sheets(cli, done.stdout)
    assert list(sheets) == ["汇总", "已报备已确认", "应报未报", "已报备但AMS无记录", "非本行报送",
                            "数据不一致"]
    assert [(r[0], r[1], r[4]) for r in sheets["已报备已确认"]] == [("开户", A, number_a)]
    due = [(r[1], r[4], r[5]) for r in sheets["应报未报"]]
    assert due == [(B, "2026-11-24", "否"), (C, "2026-11-18", "是"), (K, "2026-11-25", "否")]
    assert sheets["应报未报"][2][7] == f"报备运行 {filing_run}：门户拒绝"  # why K is not filed
    assert [r[1] for r in sheets["已报备但AMS无记录"]] == [G]
    # E, filed by hand with another name, is 数据不一致 only: each key in one class
    assert [r[1] for r in sheets["非本行报送"]] == [D, F]  # H is after the period
    assert [r[1:2] + r[4:7] for r in sheets["数据不一致"]] == [
        (E, "存款人名称", NAMES[E], "北京昌平沙河机械股份有限公司")]
    html = (cli.runs / run_id_from(done.stdout) / "report.html").read_text(encoding="utf-8")
    assert "与 AMS 备案业务清单核对" in html and "<th>类别</th>" in html and "不一致的字段" in html
    assert "报备期限 2026-11-18，已逾期" in html and "本行已报备，AMS 清单中没有" in html
    assert C not in html and C[-4:] in html  # account numbers masked in the report
    assert "未核对：" in html and "注册资金" in html  # the list page's fields only were compared
    # a row AMS lacks whose deadline is ahead reads 未逾期, never 相符 (tester AN, 2026-12-06)
    lines = [cells for _, cells in re.findall(r'<tr class="comparison (\w+)">(.*?)</tr>', html, re.S)]
    due_words = {account: re.findall(r"<td>([^<]*)</td><td>报备期限", cells)[0]
                 for cells in lines for account in (B, C, K) if f"{account[-4:]} 2026" in cells}
    assert due_words == {B: "未逾期", C: "不符", K: "未逾期"}, due_words
    assert "应报未报：不符（3 项，1 项不符）" in html and "核对：" in html
    # filings by hand or by another branch are no finding, and not called 不符 (testers AN, AR)
    assert "非本行报送：非本行（2 项）" in html, re.findall(r"非本行报送：[^<]*", html)
    summary = dict(load_workbook(cli.runs / run_id_from(done.stdout) / "reconciliation.xlsx")["汇总"].values)
    assert summary["合计"].startswith("8（") and "未核对：" in summary["核对范围"]
    with closing(sqlite3.connect(cli.runs / "queue.db")) as db:  # AMS's list: in the run folder only
        kept = db.execute("SELECT result FROM queue_items WHERE flow = 'account-reconciliation'").fetchall()
    assert kept and not any("6228480" in str(result) for (result,) in kept)
    cli.run("audit", "verify", run_id_from(done.stdout), check_exit=0)  # the list file's hash included
    # a person is told what was found, each class counted, under the run's id (masked)
    (told,) = [p["json"]["text"]["content"] for p in http.posts if "核对发现" in p["json"]["text"]["content"]]
    assert f"运行编号：{run_id_from(done.stdout)}" in told
    assert "1 笔应报未报且已逾期；1 笔已报备但AMS无记录；1 笔数据不一致" in told
    assert "已报备已确认 1，应报未报 3，已报备但AMS无记录 1，非本行报送 2，数据不一致 1" in told
    assert not any(account in told for account in NAMES)

    copy = tmp_path / "filed-copy.xlsx"
    copy.write_bytes(filed.read_bytes())  # tester V's 1.1: a file given twice was read twice
    same_day = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-16",
                       "--input", str(filed), "--input", str(filed), "--input", str(copy),
                       "--as-of", "2026-11-20", timeout=240)
    assert same_day.returncode == 0, same_day.stdout + same_day.stderr
    assert [r[1] for r in _sheets(cli, same_day.stdout)["已报备已确认"]] == [A]
    summary = _summary(cli, same_day.stdout)
    assert summary["已读导出文件"].startswith("1 个：filed.xlsx、filed.xlsx、filed-copy.xlsx（"), summary
    assert "filed-copy.xlsx 与 filed.xlsx 内容相同，只读一次" in summary["已读导出文件"]
    assert summary["已读导出文件"].endswith("；核对期间内 1 行")
    assert sum("核对发现" in p["json"]["text"]["content"] for p in http.posts) == 1  # nothing found: quiet

    # tester V's 1.2: our filing missing from the export read (cut short, another day's) is said
    without = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-17",
                      "--input", str(others), "--as-of", "2026-11-20", timeout=240)
    confirmed = _sheets(cli, without.stdout)["已报备已确认"]
    assert [(r[1], r[-1]) for r in confirmed] == [(A, "导出文件中没有这一笔")], confirmed
    said = _summary(cli, without.stdout)["说明"]
    assert "2 笔本行报备运行已报的备案不在所读的导出文件中" in said, said  # A, and G that AMS lacks


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--from", "2026-11-20", "--to", "2026-11-16"], "--from 须不晚于 --to"),
        (["--from", "2026-11-16"], "缺少 --from 或 --to"),
        (["--from", "2026-11-16", "--to", "2026/11/20"], "--to 的值不是日期"),
        (["--from", "2026-11-16", "--to", "2026-11-20", "--input", "nowhere.xlsx"], "nowhere.xlsx"),
    ],
    ids=["reversed", "missing_to", "bad_date", "missing_input"],
)
def test_bad_dates_or_inputs_exit_2_in_chinese(tmp_path: Path, args: list[str], words: str) -> None:
    cli = make_cli_env(tmp_path)
    done = cli.run("run", "account-reconciliation", *args, timeout=100)
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in done.stdout + done.stderr and "Traceback" not in done.stdout + done.stderr
    assert "未能读出 AMS" not in done.stdout + done.stderr  # tester V's 2.3: AMS was never asked


class _RenamedListHeader:
    """The AMS app, but its 备案业务清单 heads the account column 账户号码 (an upgraded portal)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/ams/filingList.do"):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def rewrite(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                new = bytes(body).replace("<th>账号</th>".encode("gbk"), "<th>账户号码</th>".encode("gbk"))
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(new)).encode())]})
                await send({"type": "http.response.body", "body": new})

        await self.app(scope, receive, rewrite)


@pytest.fixture
def drifted_ams() -> Iterator[str]:
    from fixtures.portals.ams import create_app
    from fixtures.portals.common import serve_in_thread

    server = serve_in_thread(_RenamedListHeader(create_app()))
    yield server.url
    server.stop()


@pytest.mark.timeout(200)
def test_a_list_page_with_a_renamed_header_stops_the_run_naming_it(drifted_ams: str, tmp_path: Path) -> None:
    operators = json.dumps([{"code": "OP0001", "password": "Ams0001!"}])
    cli = make_cli_env(tmp_path, RPA_AMS_URL=drifted_ams, RPA_AMS_OPERATORS=operators)
    done = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-20", timeout=150)
    assert done.returncode == 3, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "找不到这些列的表头：account_no (账号)" in said and "账户号码" in said, said
    assert not (cli.runs / run_id_from(done.stdout) / "reconciliation.xlsx").exists()
