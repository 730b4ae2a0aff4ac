"""Everything a clerk or auditor reads is Chinese (issue #19), checked on the real commands.

One smoke run (real Chromium against the local smoke site) that stops on a locked operator, its
resume (business errors and failures: exit 1), `runs list`, `runs show`, `runs retry`, `doctor`,
and `audit verify` (one run and `--all`) plus `scripts/verify_audit.py` on a tampered copy.
Their terminal output, run.log's event sentences and run.json's human-readable fields must hold
no English word of three letters or more, outside an allow-list of what is not prose: run ids,
paths and file names, settings (RPA_*), command names and options, URLs, hex digests, a few
acronyms and product names; and in run.log also error codes, exception types and the technical
tail after ` | `.

One account-filing run against the mock AMS from a hand-written export (one row filed, one
refused by AMS, one held for a person) and one that stops on a refused password: their terminal
output, run.log, run.json's stop reason and result.xlsx's 状态, 门户信息 and 说明 (and the 校验
sheet's 校验项 and 说明) go through the same check.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

# what is not prose, removed before looking for English words (order matters: URLs before paths)
_NOT_PROSE = [
    re.compile(r"https?://\S+|sqlite:/+\S*|postgresql\+\w+://\S+"),  # URLs and database URLs
    re.compile(r"(?:[A-Za-z0-9_.~+@-]*/)+[A-Za-z0-9_.~+@-]*"),  # paths (and SIGINT/SIGTERM)
    re.compile(r"(?:[A-Za-z0-9_-]*\.)+[A-Za-z0-9_-]+"),  # file names (.env too), dotted events, versions
    re.compile(r"“[a-z_.]+”"),  # an audit event's type, quoted as it stands in audit.jsonl
    re.compile(r"\bRPA_[A-Z0-9_]+"),  # settings
    re.compile(r"--[a-z][a-z-]*"),  # command options
    re.compile(r"(?<![A-Za-z0-9])[0-9a-f]{8,}(?![A-Za-z0-9])"),  # SHA-256 and other hex
    re.compile(r"\b(?:account-filing|report-extraction|calendar-check)\b"),  # flow names
    re.compile(r"错误代码 ?[a-z0-9_]+"),  # an error code, named as one
]
_ALLOWED = {
    # command names
    "rpa", "run", "runs", "list", "show", "retry", "audit", "verify", "export", "doctor", "demo",
    "smoke", "prune", "operators", "clear", "portals", "serve", "schedule", "trigger", "probe",
    "validate", "extract", "close", "check",
    # acronyms and product names
    "SHA", "HMAC", "JSON", "AMS", "SIGINT", "SIGTERM", "Chromium", "WenQuanYi", "Micro", "Hei", "Mono",
    "sqlite", "Playwright", "SQLite", "PostgreSQL", "Python", "GBK",
}
# run.log only: the record's level, error codes (snake_case) and exception types (CamelCase)
_LOG_TECHNICAL = [
    re.compile(r"\b\w+_\w+\b"),
    re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]*)+\b"),
    re.compile(r"\b(?:DEBUG|INFO|WARNING|ERROR|SUCCESS|CRITICAL)\b"),
    re.compile(r"[A-Za-z0-9_.-]+:\d+:w\d+"),  # a worker: host:pid:w0
]
# run.log's record line: time, level, [run id], pid, message (continuation lines are tracebacks)
_LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\dT\S+ +\w+ +\[[^\]]*\] \d+ (?P<message>.*)$")


def english_words(text: str, *, known: tuple[str, ...] = (), log: bool = False) -> list[str]:
    """The English words (3+ letters) in `text` that are not on the allow-list; `known` are run
    ids and other exact strings to leave out."""
    for value in sorted(known, key=len, reverse=True):
        text = text.replace(value, " ")
    for pattern in [*_NOT_PROSE, *(_LOG_TECHNICAL if log else [])]:  # ams.open_form.next whole
        text = pattern.sub(" ", text)
    return sorted({word for word in re.findall(r"[A-Za-z]{3,}", text) if word not in _ALLOWED})


def log_sentences(run_log: str) -> str:
    """run.log's event sentences: each record's message, without the technical ` | ` tail."""
    messages = []
    for line in run_log.splitlines():
        found = _LOG_RECORD.match(line)
        if found:
            messages.append(found.group("message").split(" | ", 1)[0])
    assert messages, "run.log holds no records"
    return "\n".join(messages)


def test_the_check_finds_english_and_passes_what_is_not_prose() -> None:
    run_id = "20261203-101500-smoke-0a1b2c"
    clean = (
        f"运行 {run_id}：已结束，有事项需要处理（已完成 3，失败 1）\n"
        f"  运行文件夹：/tmp/pytest-of-clerk/runs/{run_id}\n  result.xlsx：/tmp/x/result.xlsx\n"
        "证据文件 evidence/3a12b4c5d6e7f809.png 的 SHA-256 与审计链记录的不同；请检查 RPA_AMS_URL"
        "（http://127.0.0.1:8801/ams/login.do），用 rpa runs retry 加 --resume 续跑；事件“run.finished”"
    )
    assert english_words(clean, known=(run_id,)) == []
    assert english_words(f"run {run_id}: all items done", known=(run_id,)) == ["all", "done", "items"]
    assert english_words("数据库审计链第 3 条事件被修改（edited: event 'x' does not match）") == [
        "does", "edited", "event", "match", "not",
    ]
    record = (
        "2026-12-03T10:15:00.123+0800 WARNING [R1] 4242 事项 3：系统错误（portal_unavailable），"
        "将重试：网站回应了 500 | PortalUnavailable: boom happened\n"
        "Traceback (most recent call last):\n"
        "2026-12-03T10:15:01.000+0800 INFO    [R1] 4242 worker host:4242:w0 finished"
    )
    assert english_words(log_sentences(record), log=True) == ["finished", "worker"]
    # a selector's name and an error code named as one are not prose; the words around them are
    assert english_words("选择器 ams.open_form.next 由第 1 个候选找到", log=True) == []
    assert english_words("AMS拒绝了此笔报备，原因见「门户信息」（错误代码 basic_account_exists）") == []
    assert english_words("门户拒绝（basic_account_exists）") == ["account", "basic", "exists"]


def _stand_alone(world: Path, run_id: str) -> subprocess.CompletedProcess[str]:
    script = Path(__file__).resolve().parents[2] / "scripts" / "verify_audit.py"
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(world / "runs" / run_id),
         "--ledger", str(world / "keys" / "ledger.jsonl"), "--key-file", str(world / "keys" / "audit.key")],
        capture_output=True, text=True, timeout=60, check=False,
    )


def _tamper(cli: CliEnv, run_id: str) -> None:
    """Edit one event's details in the database and its export, and run.json's counts."""
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        conn.execute(
            "UPDATE audit_events SET details = ? WHERE run_id = ? AND seq = 3", ('{"forged":1}', run_id)
        )
    folder = cli.runs / run_id
    lines = (folder / "audit.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    event = json.loads(lines[2])
    event["details"] = {"forged": 1}
    lines[2] = json.dumps(event, ensure_ascii=False) + "\n"
    (folder / "audit.jsonl").write_text("".join(lines), encoding="utf-8")
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    info["counts"]["done"] = info["counts"].get("done", 0) + 1
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")


def test_every_command_a_clerk_or_auditor_runs_answers_in_chinese(tmp_path: Path) -> None:
    cli = make_cli_env(
        tmp_path, RPA_MAX_ATTEMPTS="2", RPA_LEDGER_FILE=str(tmp_path / "keys" / "ledger.jsonl")
    )
    modes = "ok,business,system_always,fatal"
    stopped = cli.run("run", "smoke", "--modes", modes, "--items", "4", "--workers", "1", check_exit=3)
    run_id = run_id_from(stopped.stdout)
    folder = cli.runs / run_id
    stopped_json = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert "原因：" in stopped.stdout and "操作员被锁定" in stopped.stdout, stopped.stdout
    resumed = cli.run("run", "smoke", "--resume", run_id, "--unlocked", "--workers", "1", check_exit=1)
    assert f"运行 {run_id}：已结束，有事项需要处理" in resumed.stdout, resumed.stdout
    retried = cli.run("runs", "retry", run_id, "--workers", "1", "--user", "王晓丽", check_exit=1)
    assert "个事项放回待办" in retried.stdout, retried.stdout
    listed = cli.run("runs", "list", check_exit=0)
    shown = cli.run("runs", "show", run_id, check_exit=0)
    doctor = cli.run("doctor")  # the portals are not running here: it says so, exit 2
    assert doctor.returncode == 2 and "无法访问" in doctor.stdout, doctor.stdout + doctor.stderr
    intact = cli.run("audit", "verify", "--all", check_exit=0)

    world = tmp_path / "world"
    shutil.copytree(tmp_path, world, ignore=shutil.ignore_patterns("world"))
    tampered = make_cli_env(world, RPA_LEDGER_FILE=str(world / "keys" / "ledger.jsonl"))
    _tamper(tampered, run_id)
    one = tampered.run("audit", "verify", run_id, check_exit=1)
    every = tampered.run("audit", "verify", "--all", check_exit=1)
    script = _stand_alone(world, run_id)
    assert script.returncode == 1, script.stdout + script.stderr
    # what differs is named, and the stand-alone script says it in the same words
    chain_line = next(line for line in one.stdout.splitlines() if "数据库审计链" in line)
    assert "【不符】数据库审计链第 3 条事件被修改（事件“" in chain_line, one.stdout
    export_line = next(line for line in script.stdout.splitlines() if "audit.jsonl 第" in line)
    assert export_line in one.stdout.splitlines(), f"{export_line}\n---\n{one.stdout}"
    assert "run.json 的计数（已完成 " in one.stdout and "与审计链记录的（已完成 " in one.stdout

    terminal = {
        "run (stopped)": stopped,
        "run --resume": resumed,
        "runs retry": retried,
        "runs list": listed,
        "runs show": shown,
        "doctor": doctor,
        "audit verify --all": intact,
        "audit verify (tampered)": one,
        "audit verify --all (tampered)": every,
        "scripts/verify_audit.py (tampered)": script,
    }
    found = {
        name: words
        for name, done in terminal.items()
        if (words := english_words(done.stdout + done.stderr, known=(run_id,)))
    }
    final_json = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    for name, info in (("run.json (stopped)", stopped_json), ("run.json", final_json)):
        if words := english_words(str(info.get("stop_reason") or ""), known=(run_id,)):
            found[name] = words
    run_log = log_sentences((folder / "run.log").read_text(encoding="utf-8"))
    if words := english_words(run_log, known=(run_id,), log=True):
        found["run.log"] = words
    assert not found, f"English words a clerk would read: {found}"


# -- account filing through the CLI against the mock AMS -------------------------------------
# An export written here by hand with DOMAIN.md's headers: one 开户 AMS takes, one it refuses
# (the depositor already has a basic account there, seeded through the admin API) and one held
# (AMS already has that 开户 of that day, with another 经营范围).
_HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资金(万元)", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]  # fmt: skip
_FILED, _HELD, _REFUSED = "6228480012345670027", "6228480012345670019", "6228480012345670035"
_ROWS = [
    ["开户", _FILED, "基本存款账户", "2026-11-26", "北京华信科技有限公司", "01", "91110000600037341L",
     "法定代表人", "张三", "居民身份证", "11010519491231002X", "北京市朝阳区建国路88号", "100",
     "技术开发", "102100099996", "", "", "", "", "310001"],
    ["开户", _HELD, "基本存款账户", "2026-11-25", "厦门海联贸易有限公司", "01", "91350200776049653A",
     "法定代表人", "李四", "居民身份证", "360426199101010071", "厦门市思明区湖滨南路1号", "500",
     "货物进出口、技术咨询", "102100099996", "", "", "", "", "310001"],
    ["开户", _REFUSED, "基本存款账户", "2026-11-26", "厦门海联贸易有限公司", "01", "91350200776049653A",
     "法定代表人", "李四", "居民身份证", "360426199101010071", "厦门市思明区湖滨南路1号", "500",
     "货物进出口", "102100099996", "", "", "", "", "310001"],
]  # fmt: skip
_SEEDED = {  # the held row's account, filed in AMS on the same day with 经营范围 货物进出口
    "action": "open", "account_no": _HELD, "account_kind": "basic", "business_date": "2026-11-25",
    "depositor_name": "厦门海联贸易有限公司", "depositor_category": "企业法人",
    "uscc": "91350200776049653A", "legal_rep_role": "法定代表人", "legal_rep_name": "李四",
    "id_type": "居民身份证", "id_number": "360426199101010071",
    "registered_address": "厦门市思明区湖滨南路1号", "registered_capital_yuan": "5000000.00",
    "business_scope": "货物进出口", "bank_code": "102100099996",
}  # fmt: skip


def _export(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户登记"
    sheet.append(_HEADERS)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.data_type = "s"  # account and ID numbers as text, as the bank's export has them
    book.save(path)
    return path


def _result_notes(path: Path) -> dict[str, dict[str, str]]:
    """result.xlsx's 状态, 门户信息 and 说明 by account, and its 校验 sheet's 校验项 and 说明."""
    book = load_workbook(path)
    rows = list(book["报备结果"].iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    found = {
        str(r[header.index("账号")]): {
            name: str(r[header.index(name)] or "") for name in ("状态", "门户信息", "说明")
        }
        for r in rows[1:]
    }
    checks = list(book["校验"].iter_rows(values_only=True))
    columns = {name: checks[0].index(name) for name in ("校验项", "说明")}
    found["校验"] = {name: "\n".join(str(r[at] or "") for r in checks[1:]) for name, at in columns.items()}
    return found


@pytest.mark.timeout(400)
def test_an_account_filing_run_answers_in_chinese(ams: AmsHandle, tmp_path: Path) -> None:
    ams.seed([_SEEDED])
    source = _export(tmp_path / "开户登记.xlsx", _ROWS)
    code, password = ams.operators[0]
    cli = make_cli_env(
        tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=json.dumps([{"code": code, "password": password}])
    )
    done = cli.run(
        "run", "account-filing", "--input", str(source), "--workers", "1", timeout=240, check_exit=1
    )
    run_id = run_id_from(done.stdout)
    folder = cli.runs / run_id
    assert f"运行 {run_id}：已结束，有事项需要处理" in done.stdout, done.stdout

    # what AMS and the run made of each row: filed, refused in AMS's words, held for a person
    sent = {s["account_no"]: s["outcome"] for s in ams.submissions()}
    assert sorted(sent) == sorted([_FILED, _REFUSED]), sent  # the held row was never submitted
    book = _result_notes(folder / "result.xlsx")
    assert book[_FILED]["状态"] == "已报备", book[_FILED]
    assert book[_REFUSED]["状态"] == "门户拒绝" and "该存款人已开立基本存款账户" in book[_REFUSED]["门户信息"]
    assert book[_HELD]["状态"] == "需人工处理" and "经营范围" in book[_HELD]["说明"], book[_HELD]

    # a run that stops at once: AMS refuses the operator's password (tried once, never again)
    cli.env["RPA_AMS_OPERATORS"] = json.dumps([{"code": code, "password": "Wrong#123"}])
    another = _export(tmp_path / "开户登记2.xlsx", [[_ROWS[0][0], "6228480012345670043", *_ROWS[0][2:]]])
    stopped = cli.run("run", "account-filing", "--input", str(another), "--workers", "1", timeout=240)
    assert stopped.returncode not in (0, 2), stopped.stdout + stopped.stderr
    stopped_id = run_id_from(stopped.stdout)
    stopped_json = json.loads((cli.runs / stopped_id / "run.json").read_text(encoding="utf-8"))
    assert "密码错误" in str(stopped_json.get("stop_reason")), (stopped.stdout, stopped_json)

    known = (run_id, stopped_id, source.name, another.name)
    found = {
        name: words
        for name, ran in (("run account-filing", done), ("run account-filing (wrong password)", stopped))
        if (words := english_words(ran.stdout + ran.stderr, known=known))
    }
    for name, info in (("run.json", json.loads((folder / "run.json").read_text(encoding="utf-8"))),
                       ("run.json (stopped)", stopped_json)):  # fmt: skip
        if words := english_words(str(info.get("stop_reason") or ""), known=known):
            found[name] = words
    for rid in (run_id, stopped_id):
        run_log = log_sentences((cli.runs / rid / "run.log").read_text(encoding="utf-8"))
        if words := english_words(run_log, known=known, log=True):
            found[f"run.log of {rid}"] = words
    for account, cells in book.items():
        for column, text in cells.items():
            if words := english_words(text, known=known):
                found[f"result.xlsx {account} {column}"] = words
    assert not found, f"English words a clerk would read: {found}"
