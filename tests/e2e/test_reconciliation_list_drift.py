"""`rpa run account-reconciliation` while AMS's 备案业务清单 grows between its pages.

AMS holds ten filings of 2026-11-18..19, two pages of five. Just before page 2 is served,
another branch files two accounts dated 2026-11-16: they sort onto page 1, so page 2 now shows
rows AMS had already shown on page 1 and the last two of the ten fall off the end. Read once,
that list counts ten rows like its 共10行 and the last filing, which an export row of ours
matches, came out as 应报未报. The list is read again instead: every key lands where it belongs.
An AMS whose list changes at every read is a system error: the item fails, no workbook is
written, and run.log names what changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BANK = "102100099996"
OLD = [f"62284800777700{n:05d}" for n in range(1, 11)]  # in AMS before the run, by date then entry
NEW = [f"62284800888800{n:05d}" for n in range(1, 41)]  # filed by another branch during the run


def _filing(account: str, day: str) -> dict[str, Any]:
    """A basic account's 开户 as AMS holds it."""
    return {"action": "open", "account_no": account, "account_kind": "basic", "business_date": day,
            "depositor_name": f"北京测试{account[-4:]}有限公司", "depositor_category": "企业法人",
            "uscc": uscc(f"911101087{account[-8:]}"), "legal_rep_role": "法定代表人",
            "legal_rep_name": "刘洋",
            "id_type": "居民身份证", "id_number": "11010519491231002X",
            "registered_address": "北京市朝阳区建国路88号", "registered_capital_yuan": "5000000.00",
            "business_scope": "技术开发", "bank_code": BANK, "operator_id": "BR0117"}  # fmt: skip


class _FilesBeforePage2:
    """The AMS app, but `times` times another branch files two accounts of 2026-11-16 just before
    page 2 of 备案业务清单 is served (each time two more)."""

    def __init__(self, app: Any, times: int) -> None:
        self.app, self.times, self.added = app, times, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"").decode()
        if (scope["type"] == "http" and scope["path"].endswith("/ams/filingList.do") and "pageNo=2" in query
                and self.times > 0):  # fmt: skip
            from fixtures.portals.ams.records import FilingRecord

            self.times -= 1
            accounts = NEW[self.added : self.added + 2]
            self.added += 2
            records = [FilingRecord.model_validate(_filing(a, "2026-11-16")) for a in accounts]
            self.app.state.ams.store.seed(records, source="hand")
        await self.app(scope, receive, send)


def _serve(times: int) -> Iterator[tuple[str, _FilesBeforePage2]]:
    from fixtures.portals.ams import create_app
    from fixtures.portals.common import serve_in_thread

    app = _FilesBeforePage2(create_app(page_size=5), times)
    server = serve_in_thread(app)
    with httpx.Client(base_url=server.url, timeout=30.0) as admin:
        days = ["2026-11-18"] * 5 + ["2026-11-19"] * 5
        planted = [_filing(account, day) for account, day in zip(OLD, days, strict=True)]
        admin.post("/_admin/plant", json=planted).raise_for_status()
    yield server.url, app
    server.stop()


@pytest.fixture
def grows_once() -> Iterator[tuple[str, _FilesBeforePage2]]:
    yield from _serve(times=1)


@pytest.fixture
def grows_always() -> Iterator[tuple[str, _FilesBeforePage2]]:
    yield from _serve(times=99)


def _cli(tmp_path: Path, url: str) -> CliEnv:
    """Three attempts, 1 s apart: the queue reads the list again, as it retries any system error."""
    operators = json.dumps([{"code": "OP0001", "password": "Ams0001!"}])
    return make_cli_env(tmp_path, RPA_AMS_URL=url, RPA_AMS_OPERATORS=operators, RPA_MAX_ATTEMPTS="3",
                        RPA_BACKOFF_BASE_SECONDS="1", RPA_BACKOFF_MAX_SECONDS="1")


def _reconcile(cli: CliEnv, tmp_path: Path) -> Any:
    last = OLD[-1]
    row = open_row(last, f"北京测试{last[-4:]}有限公司", uscc(f"911101087{last[-8:]}"), "刘洋", "2026-11-19")
    export = write_export(tmp_path / "export.xlsx", [row])
    return cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-20",
                   "--input", str(export), "--as-of", "2026-11-20", timeout=240)  # fmt: skip


@pytest.mark.timeout(300)
def test_a_list_that_grows_between_pages_is_read_again_and_nothing_drops(
    grows_once: tuple[str, _FilesBeforePage2], tmp_path: Path
) -> None:
    url, app = grows_once
    cli = _cli(tmp_path, url)
    done = _reconcile(cli, tmp_path)
    assert app.added == 2, "the list did not grow between its pages"
    assert done.returncode == 0, done.stdout + done.stderr
    folder = cli.runs / run_id_from(done.stdout)
    book = load_workbook(folder / "reconciliation.xlsx")
    sheets = {sheet.title: list(sheet.iter_rows(min_row=2, values_only=True)) for sheet in book.worksheets}
    assert sheets["应报未报"] == []
    assert sorted(r[1] for r in sheets["非本行报送"]) == sorted([*OLD, *NEW[:2]])
    assert "与导出行的已核对字段相符" in next(r for r in sheets["非本行报送"] if r[1] == OLD[-1])[-1]
    assert "第2页显示共12行，第1页显示共10行" in (folder / "run.log").read_text(encoding="utf-8")


@pytest.mark.timeout(300)
def test_a_list_that_changes_at_every_read_fails_the_item_and_writes_no_book(
    grows_always: tuple[str, _FilesBeforePage2], tmp_path: Path
) -> None:
    url, app = grows_always
    cli = _cli(tmp_path, url)
    done = _reconcile(cli, tmp_path)
    assert app.added == 6, "three whole reads, each seeing the list grow"
    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "失败 1" in said and "Traceback" not in said, said
    folder = cli.runs / run_id_from(done.stdout)
    assert not (folder / "reconciliation.xlsx").exists()
    log = (folder / "run.log").read_text(encoding="utf-8")
    assert log.count("系统错误 filing_list_changing") == 3 and "第2页显示共16行，第1页显示共14行" in log, log
