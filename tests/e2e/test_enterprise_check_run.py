"""企业信息联网核查 through the real `rpa` command, and account filing that requires a passed check.

- `rpa run enterprise-check --input FILE`: the 开户/变更 rows are checked, the 撤销 row is not;
  a row whose enterprise is 注销 is held (exit 1) and result.xlsx (sheet 核查结果) says so, with
  the system's answer and the evidence screenshot; the same export again, once the registry
  says 吊销, is asked again: the row that passed is held now (a check is a read: every run asks);
- `RPA_FILING_REQUIRE_CHECK=true rpa run account-filing`: the row whose check passed is filed
  into the mock AMS, the other is 需人工处理 and never reaches AMS;
- a 变更 row without 名称 is held, not passed, and the gate does not file it; one without
  法定代表人 (its 变更事项 does not change them) passes, its note saying it was not compared;
- rows an ended run queued and never checked are taken over and checked, the terminal naming
  the run they came from;
- a row AMS refused and a person corrects (`rpa cases correct`) is held, not filed, until a
  check of its corrected content passed; `rpa cases retry` then files it, and result.xlsx shows
  the corrected fields and who corrected which (the given name too: 马晓东 and 马晓冬 mask alike);
- rows put aside while validating have their line in 核查结果 (with why) and are told on the
  terminal and in run.log beside a held row; each row's coded fields are filled as the filing
  flow fills them;
- a 无字号个体工商户's registered name (its owner's) is masked in report.html and in the answer
  screenshot, and kept whole in result.xlsx.

Credit codes come from the test's own GB 32100 function; the rest is written by hand.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image

from flows.enterprise_check.flow import EnterpriseCheckFlow
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import open_run
from rpa.run.owners import RunOwners
from rpa.settings import Settings
from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACTIVE = uscc("91110108MA00F3RK5")
CLOSED = uscc("91440101MA59D2LX8")
REGISTRY = [
    {"credit_code": ACTIVE, "name": "北京中关村启明软件有限公司", "legal_rep": "马晓东"},
    {"credit_code": CLOSED, "name": "广州越秀恒达商贸有限公司", "legal_rep": "黄志强", "status": "注销",
     "authority": "广州市越秀区市场监督管理局"},
]
ROWS = [
    open_row("6228480012340000011", "北京中关村启明软件有限公司", ACTIVE, "马晓东"),
    open_row("6228480012340000029", "广州越秀恒达商贸有限公司", CLOSED, "黄志强"),
    ["撤销", "6228480012340000037", "基本存款账户", "2026-11-26", "厦门海联贸易有限公司", "01",
     "91350200776049653A", "法定代表人", "李四", "居民身份证", "360426199101010071",
     "厦门市思明区湖滨南路1号", "500", "货物进出口", "102100099996", "J1021000000019", "", "解散", "",
     "310002"],
]  # fmt: skip


def cli_for(tmp_path: Path, check_portal: Any, **extra: str) -> CliEnv:
    operators = json.dumps([{"code": c, "password": p} for c, p in check_portal.operators[:1]])
    return make_cli_env(tmp_path, RPA_CHECK_URL=check_portal.url, RPA_CHECK_OPERATORS=operators, **extra)


def result_rows(cli: CliEnv, stdout: str, sheet: str) -> list[tuple[Any, ...]]:
    book = load_workbook(cli.runs / run_id_from(stdout) / "result.xlsx")
    return list(book[sheet].iter_rows(min_row=2, values_only=True))


@pytest.mark.timeout(300)
def test_check_run_holds_the_closed_enterprise(check_portal: Any, tmp_path: Path) -> None:
    check_portal.plant(REGISTRY)
    cli = cli_for(tmp_path, check_portal)
    export = write_export(tmp_path / "export.xlsx", ROWS)
    done = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    rows = result_rows(cli, done.stdout, "核查结果")
    assert [(r[0], r[1], r[5]) for r in rows] == [(2, "开户", "通过"), (3, "开户", "需人工处理")]
    assert "企业已注销" in rows[1][12] and "登记状态：注销" in rows[1][8] and "黄志强" in rows[1][8]
    folder = cli.runs / run_id_from(done.stdout)
    assert all((folder / r[11]).is_file() for r in rows)
    html = (folder / "report.html").read_text(encoding="utf-8")  # a diagnostic: no person's name
    assert "企业已注销" in html and "黄志强" not in html and "马晓东" not in html
    assert check_portal.stats()["events"]["query"] == 2  # the 撤销 row is not checked
    stats = check_portal.stats()  # the last row ended on a result page: logged out from there
    assert (stats["live_sessions"], stats["sessions_ended"]) == (0, {"logout": 1}), stats

    # the registration changed since (吊销): the same export again asks again, never answering
    # from the first run's pass, and the gate follows the latest check
    check_portal.plant([{**REGISTRY[0], "status": "吊销"}])
    again = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert again.returncode == 1, again.stdout + again.stderr
    rows = result_rows(cli, again.stdout, "核查结果")
    assert [r[5] for r in rows] == ["需人工处理", "需人工处理"] and "企业已吊销" in rows[0][12], rows
    assert {r[13] for r in rows} == {run_id_from(again.stdout)}  # checked by this run
    log = (cli.runs / run_id_from(again.stdout) / "run.log").read_text(encoding="utf-8")
    assert f"2 行运行 {run_id_from(done.stdout)} 已核查过：本批次重新核查" in log
    assert "需人工处理：企业已吊销" in log  # the reason, as the audit chain and rpa cases list have it
    cases = cli.run("cases", "list", run_id_from(again.stdout))
    assert "企业已吊销" in cases.stdout, cases.stdout + cases.stderr
    assert check_portal.stats()["events"]["query"] == 4
    assert all((cli.runs / run_id_from(again.stdout) / r[11]).is_file() for r in rows)


@pytest.mark.timeout(400)
def test_filing_requires_a_passed_check(check_portal: Any, ams: Any, tmp_path: Path) -> None:
    check_portal.plant(REGISTRY)
    ams_operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    cli = cli_for(tmp_path, check_portal, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=ams_operators,
                  RPA_FILING_REQUIRE_CHECK="true")
    export = write_export(tmp_path / "export.xlsx", ROWS[:2])
    checked = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert checked.returncode == 1, checked.stdout + checked.stderr

    filed = cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=240)
    assert filed.returncode == 1, filed.stdout + filed.stderr
    assert [f["account_no"] for f in ams.filings()] == ["6228480012340000011"]
    rows = result_rows(cli, filed.stdout, "报备结果")
    assert [(r[2], r[5]) for r in rows] == [("6228480012340000011", "已报备"),
                                            ("6228480012340000029", "需人工处理")]
    assert "RPA_FILING_REQUIRE_CHECK" in rows[1][12] and "enterprise-check" in rows[1][12]
    # what the check found, and in which run: not the words of a row never checked
    assert f"运行 {run_id_from(checked.stdout)} 的企业信息联网核查为「需人工处理：企业已注销」" in rows[1][12]
    checks = [line[0] for line in result_rows(cli, filed.stdout, "校验")]  # named, as every check (AM)
    assert "企业信息联网核查已通过（RPA_FILING_REQUIRE_CHECK）" in checks
    assert not any("未命名" in str(name) for name in checks), checks


@pytest.mark.timeout(600)
def test_a_corrected_row_is_filed_only_after_a_check_of_its_corrected_content(
    check_portal: Any, ams: Any, tmp_path: Path
) -> None:
    check_portal.plant(REGISTRY[:1])
    ams_operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    cli = cli_for(tmp_path, check_portal, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=ams_operators,
                  RPA_FILING_REQUIRE_CHECK="true")
    account = "6228480012340000045"
    row = open_row(account, "北京中关村启明软件有限公司", ACTIVE, "马晓东")
    row[9] = "户口簿"  # not a legal representative's: AMS refuses it
    export = write_export(tmp_path / "export.xlsx", [row])
    checked = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    filed = cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=240)
    assert filed.returncode == 1 and not ams.filings(), filed.stdout + filed.stderr
    run_id = run_id_from(filed.stdout)

    corrected = cli.run("cases", "correct", run_id, "2", "--set", "证件种类=居民身份证",
                        "--set", "法定代表人姓名=马晓冬", "--user", "clerkA", timeout=240)
    assert corrected.returncode == 1, corrected.stdout + corrected.stderr
    assert not ams.filings()  # the check passed for 马晓东, not for the corrected row
    [line] = result_rows(cli, filed.stdout, "报备结果")
    assert line[5] == "需人工处理" and "须按更正后的内容重新核查" in line[12], line
    assert "经 clerkA 更正法定代表人姓名、证件种类" in line[12], line
    log = (cli.runs / run_id / "run.log").read_text(encoding="utf-8")
    assert "由 clerkA 更正（法定代表人姓名、证件种类），暂不报备" in log

    # the registry says 马晓冬 (a mistyped name, say): the corrected export is checked, then filed
    check_portal.plant([{**REGISTRY[0], "legal_rep": "马晓冬"}])
    fixed = write_export(tmp_path / "fixed.xlsx", [[*row[:8], "马晓冬", "居民身份证", *row[10:]]])
    checked = cli.run("run", "enterprise-check", "--input", str(fixed), "--workers", "1", timeout=240)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    retried = cli.run("cases", "retry", run_id, "--user", "clerkA", timeout=240)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    [filing] = ams.filings()
    assert (filing["record"]["id_type"], filing["record"]["legal_rep_name"]) == ("居民身份证", "马晓冬")
    [line] = result_rows(cli, filed.stdout, "报备结果")
    assert (line[5], line[16]) == ("已报备", "居民身份证"), line  # what AMS holds, not 户口簿
    assert "经 clerkA 更正法定代表人姓名、证件种类后报备" in line[12], line
    verified = cli.run("audit", "verify", run_id)  # the hold, the retry and the filing, as recorded
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.timeout(300)
def test_rows_of_an_ended_run_are_taken_over_and_checked(check_portal: Any, tmp_path: Path) -> None:
    check_portal.plant(REGISTRY)
    cli = cli_for(tmp_path, check_portal)
    export = write_export(tmp_path / "export.xlsx", ROWS[:2])
    settings = Settings(runs_dir=cli.runs, audit_key_file=tmp_path / "keys" / "audit.key")
    ctx = open_run(settings, "enterprise-check", {"flow_params": {"input": str(export)}}, trigger="cli")
    EnterpriseCheckFlow(input=str(export)).prepare(ctx)  # queued, and the run ended checking nothing
    owners = RunOwners.from_settings(settings)
    owners.mark_running(ctx.run_id)
    owners.mark_ended(ctx.run_id)

    done = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr  # the 注销 enterprise is held
    assert f"2 行原由运行 {ctx.run_id} 持有" in done.stdout + done.stderr
    rows = result_rows(cli, done.stdout, "核查结果")
    assert [(r[5], r[13]) for r in rows] == [("通过", run_id_from(done.stdout)),
                                           ("需人工处理", run_id_from(done.stdout))]
    assert check_portal.stats()["events"]["query"] == 2
    assert not WorkQueue.from_settings(settings).items(ctx.run_id)

    again = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert again.returncode == 1 and check_portal.stats()["events"]["query"] == 4  # checked again
    first = run_id_from(done.stdout)  # its exported chain gained the take-over events (tester S's S2)
    verified = cli.run("audit", "verify", first)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def change_row(account: str, name: str, legal_rep: str) -> list[Any]:
    """A 变更 of the registered address alone: 名称 and 法定代表人 may be left blank."""
    return ["变更", account, "基本存款账户", "2026-11-26", name, "01", ACTIVE, "法定代表人", legal_rep,
            "居民身份证", "11010519491231002X", "北京市海淀区中关村大街2号", "500", "技术开发",
            "102100099996", "J1000000000019", "注册地址", "", "", "310001"]


@pytest.mark.timeout(400)
def test_a_change_without_a_name_is_held_and_not_filed(check_portal: Any, ams: Any, tmp_path: Path) -> None:
    check_portal.plant(REGISTRY)
    ams_operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    cli = cli_for(tmp_path, check_portal, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=ams_operators,
                  RPA_FILING_REQUIRE_CHECK="true")
    rows = [change_row("6228480012340000011", "", "马晓东"),
            change_row("6228480012340000029", "北京中关村启明软件有限公司", "")]
    export = write_export(tmp_path / "changes.xlsx", rows)
    checked = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    got = [(r[5], r[12]) for r in result_rows(cli, checked.stdout, "核查结果")]
    assert got == [("需人工处理", "输入行无名称，未比对企业名称：须人工核对"),
                   ("通过", "与登记一致，存续（输入行无法定代表人：本次变更不涉及，未比对）")]

    filed = cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=240)
    assert filed.returncode == 1, filed.stdout + filed.stderr
    assert "6228480012340000011" not in [f["account_no"] for f in ams.filings()]
    held = result_rows(cli, filed.stdout, "报备结果")[0]
    assert (held[2], held[5]) == ("6228480012340000011", "需人工处理")
    assert "RPA_FILING_REQUIRE_CHECK" in held[12]


@pytest.mark.timeout(300)
def test_rows_put_aside_are_listed_and_told_beside_a_held_row(check_portal: Any, tmp_path: Path) -> None:
    check_portal.plant(REGISTRY)
    cli = cli_for(tmp_path, check_portal)
    misnamed = change_row("6228480012340000011", "北京中关村启明软件公司", "马晓东")  # held: 名称不符
    no_rep = open_row("6228480012340000045", "北京中关村启明软件有限公司", ACTIVE, "")  # invalid
    export = write_export(tmp_path / "export.xlsx", [misnamed, no_rep])
    done = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    told = "1 行无效，未核查：原因见 result.xlsx 的核查结果"
    assert told in done.stdout + done.stderr
    assert told in (cli.runs / run_id_from(done.stdout) / "run.log").read_text(encoding="utf-8")
    held, aside = result_rows(cli, done.stdout, "核查结果")
    assert [(r[0], r[2], r[5]) for r in (held, aside)] == [(2, "6228480012340000011", "需人工处理"),
                                                          (3, "6228480012340000045", "无效，未报备")]
    assert "法定代表人" in aside[12] and not aside[13]  # why it was put aside; no run checked it
    # 基本存款账户编号, 账户性质, 存款人类别, 证件种类 as the filing flow's result.xlsx has them
    assert (held[7], held[14], held[16]) == ("J1000000000019", "基本存款账户", "居民身份证") and held[15]
    assert (aside[14], aside[16]) == ("基本存款账户", "居民身份证")


def masked_pixels(path: Path) -> int:
    """How many pixels of a screenshot are Playwright's mask colour."""
    with Image.open(path) as image:
        raw = image.convert("RGB").tobytes()
    return sum(1 for i in range(0, len(raw), 3) if raw[i:i + 3] == b"\xff\x00\xff")


@pytest.mark.timeout(300)
def test_a_sole_traders_name_is_masked_in_report_and_screenshot(check_portal: Any, tmp_path: Path) -> None:
    owner_code = uscc("92110105768293509")  # a 个体工商户 without a shop name: named by its owner
    check_portal.plant([REGISTRY[0], {"credit_code": owner_code, "name": "王大锤", "legal_rep": "王大锤"}])
    cli = cli_for(tmp_path, check_portal)
    owner = open_row("6228480012340000052", "王大垂", owner_code, "王大锤")
    owner[5] = "14"  # 存款人类别 无字号个体工商户
    firm = open_row("6228480012340000011", "北京中关村启明软件公司", ACTIVE, "马晓东")
    export = write_export(tmp_path / "export.xlsx", [owner, firm])
    done = cli.run("run", "enterprise-check", "--input", str(export), "--workers", "1", timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    folder = cli.runs / run_id_from(done.stdout)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "企业名称不符（登记为「王**」）" in html and "王大锤" not in html and "王大垂" not in html
    assert "企业名称不符（登记为「北京中关村启明软件有限公司」）" in html  # an enterprise's name is shown
    rows = result_rows(cli, done.stdout, "核查结果")
    assert "名称：王大锤" in rows[0][8] and rows[0][3] == "王大垂"  # result.xlsx, the record: whole
    # the answer page: the firm's 法定代表人 masked; the owner's 法定代表人, 企业名称 and 核查输入名称
    owner_masked, firm_masked = (masked_pixels(folder / r[11]) for r in rows)
    # both mask the 法定代表人 and the credit code (tester U's U6); the owner's also his name, twice
    assert owner_masked > 1.5 * firm_masked > 0, (owner_masked, firm_masked)


@pytest.mark.timeout(300)
def test_a_row_edited_in_the_queue_is_not_checked_and_says_why(check_portal: Any, tmp_path: Path) -> None:
    """The registered name of a queued row rewritten in SQLite to the registry's, before a resume:
    never checked (the system is asked once, for the other row), and 核查结果 says the row was
    edited in the queue, not a bare 业务错误."""
    check_portal.plant(REGISTRY)
    cli = cli_for(tmp_path, check_portal)
    export = write_export(tmp_path / "export.xlsx", [ROWS[0], open_row(
        "6228480012340000045", "广州越秀恒达商贸有限公司", CLOSED, "黄志强")])
    settings = Settings(runs_dir=cli.runs, audit_key_file=tmp_path / "keys" / "audit.key")
    ctx = open_run(settings, "enterprise-check", {"flow_params": {"input": str(export)}}, trigger="cli")
    EnterpriseCheckFlow(input=str(export)).prepare(ctx)  # queued; the process killed before any check
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        conn.execute("UPDATE queue_items SET payload = json_set(payload, '$.record.legal_rep_name', '马晓东')"
                     " WHERE run_id = ? AND json_extract(payload, '$.row') = 3", (ctx.run_id,))

    done = cli.run("run", "enterprise-check", "--resume", ctx.run_id, "--workers", "1", timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    rows = result_rows(cli, done.stdout, "核查结果")
    assert [(r[0], r[5]) for r in rows] == [(2, "通过"), (3, "业务错误")], rows
    assert "与入队时的签封不符" in rows[1][12] and "未办理" in rows[1][12], rows[1]
    assert check_portal.stats()["events"]["query"] == 1
