"""Planted personal data and a password go through every error path and never leak unmasked.

Diagnostics checked: the terminal, run.log, run.json, the exported audit log, report.html,
evidence file names, and Playwright traces (restricted: they may hold page data, but never the
login password). The smoke flow plants an account and an ID number; an account-filing run against
the mock AMS plants hand-written ones (a GB 11643 ID number, GB 32100 credit code, accounts) and
checks the record too: result.xlsx holds each account in its 账号 cell and nothing else of them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from flows.smoke.flow import SAMPLE_ACCOUNT, SAMPLE_ID_NUMBER
from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential, Settings
from tests.e2e.cli_helpers import make_cli_env, run_id_from
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

PASSWORD = "Pw9#planted-Secret"


def test_planted_data_never_reaches_diagnostics(tmp_path: Path) -> None:
    # every attempt traced: the crash (a bug) is never retried, so "retries" would trace nothing
    cli = make_cli_env(tmp_path, RPA_SMOKE_PASSWORD=PASSWORD, RPA_MAX_ATTEMPTS="2", RPA_TRACE_ITEMS="always")
    done = cli.run(
        "run",
        "smoke",
        "--modes",
        "business,crash,system_once,ok",
        "--items",
        "4",
        "--workers",
        "2",
        check_exit=1,
    )
    run_id = run_id_from(done.stdout)
    folder = cli.runs / run_id
    cli.run("runs", "show", run_id, check_exit=0)
    terminal = done.stdout + done.stderr + cli.run("runs", "show", run_id).stdout

    diagnostics = {
        "terminal": terminal,
        "run.log": (folder / "run.log").read_text(encoding="utf-8"),
        "run.json": (folder / "run.json").read_text(encoding="utf-8"),
        "audit.jsonl": (folder / "audit.jsonl").read_text(encoding="utf-8"),
        "evidence names": " ".join(p.name for p in folder.rglob("*")),
    }
    # the error paths really ran and logged: the masked tails are there
    assert SAMPLE_ACCOUNT[-4:] in diagnostics["run.log"]
    assert "业务拒绝" in diagnostics["audit.jsonl"]
    assert "unexpected_ValueError" in diagnostics["audit.jsonl"]
    for name, text in diagnostics.items():
        assert SAMPLE_ACCOUNT not in text, f"account number unmasked in {name}"
        assert SAMPLE_ID_NUMBER not in text, f"ID number unmasked in {name}"
        assert PASSWORD not in text, f"password in {name}"

    traces = list((folder / "traces").glob("*.zip"))
    assert traces, "failures should keep a trace"
    for trace in traces:
        with zipfile.ZipFile(trace) as archive:
            for member in archive.namelist():
                data = archive.read(member)
                assert PASSWORD.encode() not in data, f"password in trace {trace.name}:{member}"


# --- account filing: a real run against the mock AMS, with personal data written by hand -----------

# GB 11643 居民身份证: 17 digits (address code 440304 深圳市福田区, birth date, sequence) + check
ID_BODY = "44030419850307123"
ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
# GB 32100 统一社会信用代码: 17 characters + check, over the 31 characters without I O Z S V
USCC_BODY = "91440300MA5F3KXR0"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ACCOUNT_FILED = "4403018800012345678"
ACCOUNT_REFUSED = "4403018800098765432"
HEADER = [
    "序号", "业务类型", "账号", "账户性质", "开户日期", "单位名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资本（万元）",
    "经营范围", "开户行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办柜员", "备注",
]  # fmt: skip


def id_check(body: str) -> str:
    """The GB 11643 check character: (12 - weighted sum mod 11) mod 11, 10 written X."""
    value = (12 - sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11) % 11
    return "X" if value == 10 else str(value)


def uscc_check(body: str) -> str:
    """The GB 32100 check character: 31 - (weighted sum mod 31), 31 written 0."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


ID_NUMBER = ID_BODY + id_check(ID_BODY)
USCC = USCC_BODY + uscc_check(USCC_BODY)


def test_the_hand_written_check_characters_are_those_of_published_examples() -> None:
    # the example number of GB 11643, and python-stdnum's documented example credit code
    assert id_check("11010519491231002") == "X"
    assert uscc_check("91110000600037341") == "L"
    assert (ID_NUMBER, USCC) == ("440304198503071231", "91440300MA5F3KXR06")


def _export(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    common = ["深圳前海样例科技有限公司", "01", USCC, "法定代表人", "林晓峰", "居民身份证", ID_NUMBER,
              "深圳市福田区深南大道1001号", 500, "软件开发；信息技术咨询服务。", "313100000110"]  # fmt: skip
    # a basic account AMS files; a general account whose basic account AMS does not know (refused)
    sheet.append([1, "开户", ACCOUNT_FILED, "基本存款账户", "2026-11-26", *common, None, None, None, None,
                  "311012", None])  # fmt: skip
    sheet.append([2, "开户", ACCOUNT_REFUSED, "一般存款账户", "2026-11-26", *common, "J5840000000001", None,
                  None, None, "311012", None])  # fmt: skip
    for cell in sheet["C"] + sheet["H"] + sheet["L"]:
        cell.number_format = "@"
    book.save(path)
    return path


@pytest.mark.timeout(240)
def test_planted_ids_accounts_and_credit_codes_stay_in_the_record_only(
    tmp_path: Path, ams: AmsHandle
) -> None:
    code, password = ams.operators[0]
    settings = Settings(
        runs_dir=tmp_path / "runs",
        audit_key_file=tmp_path / "keys" / "audit.key",
        ams_url=ams.url,
        ams_operators=[OperatorCredential(code=code, password=password)],
        ams_service_window="always",
        trace_items="always",  # a trace of every failed attempt, the refused one included
        backoff_base_seconds=0.1,
        backoff_max_seconds=1.0,
    )
    source = _export(tmp_path / "export.xlsx")
    outcome = execute_run(
        settings, "account-filing", {"flow_params": {"input": str(source), "today": "2026-11-27"}}, workers=1
    )
    assert outcome.exit_code == 1, outcome  # one filed, one refused by AMS
    assert (outcome.counts.get("done"), outcome.counts.get("business_error")) == (1, 1), outcome.counts
    folder = outcome.folder
    planted = {
        "ID number": ID_NUMBER, "credit code": USCC, "account": ACCOUNT_FILED, "account 2": ACCOUNT_REFUSED,
    }

    diagnostics = {
        name: (folder / name).read_text(encoding="utf-8")
        for name in ("run.log", "run.json", "audit.jsonl", "report.html")
    }
    diagnostics["evidence names"] = " ".join(p.name for p in folder.rglob("*"))
    assert ACCOUNT_FILED[-4:] in diagnostics["report.html"]  # the rows are there, masked
    for name, text in diagnostics.items():
        for what, value in planted.items():
            assert value not in text, f"{what} unmasked in {name}"
        assert password not in text, f"password in {name}"

    # result.xlsx, the record: each account in its 账号 cell only; no ID number or credit code at all
    from openpyxl import load_workbook

    cells: list[tuple[str, str | None, str]] = []  # (sheet, column header, value)
    book = load_workbook(folder / "result.xlsx", read_only=True)
    try:
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            headers = [None if value is None else str(value) for value in (rows[0] if rows else ())]
            for row in rows[1:]:
                pairs = zip(headers, row, strict=False)
                cells += [(sheet.title, h, str(v)) for h, v in pairs if v is not None]
    finally:
        book.close()
    accounts = sorted(value for title, header, value in cells if header == "账号" and title == "报备结果")
    assert accounts == sorted([ACCOUNT_FILED, ACCOUNT_REFUSED])
    for title, header, value in cells:
        for what, secret in planted.items():
            if what.startswith("account") and (title, header) == ("报备结果", "账号"):
                continue
            assert secret not in value, f"{what} in result.xlsx, sheet {title}, column {header}"
        assert password not in value

    traces = list((folder / "traces").glob("*.zip"))
    assert traces, "the refused attempt keeps a trace"
    for trace in traces:
        with zipfile.ZipFile(trace) as archive:
            for member in archive.namelist():
                assert password.encode() not in archive.read(member), f"password in {trace.name}:{member}"
