"""An upgraded AMS (ids, names, button captions and the history's headers renamed, a 经办人
section reusing the legal representative's labels): with today's selectors/ams.yaml the probe
refuses, listing every miss, and a run files nothing; with the YAML edited (no code changed)
the probe passes and a run files each row once, finding it filed the second time.

The portal's own record (/_admin/filings, /_admin/submissions) is the judge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from bots.ams import AmsBot, load_message_catalogue
from fixtures.portals.common import RunningServer, serve_in_thread
from flows.account_filing.records import FilingRecord
from rpa.browser.selectors import load_selectors
from rpa.errors import PortalChanged
from rpa.run.orchestrate import execute_run
from rpa.run.runs import RunOutcome
from rpa.settings import OperatorCredential, Settings
from tests.e2e.cli_helpers import make_cli_env
from tests.integration.ams_helpers import basic_record, write_export
from tests.integration.upgraded_selectors import write_upgraded_selectors

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OPERATOR = ("OP0001", "Ams0001!")
KNOWN = "110000000077"  # filed before the test (an open, 11 变更): the probe looks it up
NEW = "110000000088"  # the row a run files
REFERENCE_DAY = "2026-11-27"
# what today's selectors/ams.yaml cannot find on the upgraded AMS, written out by hand
EVERY_MISS = [
    "lookup.query",
    "lookup.history_table",
    "lookup.history.action",
    "lookup.history.business_date",
    "lookup.history.filing_no",
    "lookup.history.row_count",
    "lookup.history.next_page",
    "account_entry.query",
    "filing_list.query",
    "open_form.legal_rep_name",
    "open_form.id_type",
    "open_form.id_number",
    "open_form.next",
    "change_form.legal_rep_name",
    "change_form.id_type",
    "change_form.id_number",
    "change_form.next",
    "close_form.next",
    "check.confirm",
    "check.back",
]


@pytest.fixture(scope="module")
def upgraded_server() -> Iterator[RunningServer]:
    from fixtures.portals.ams import create_app

    server = serve_in_thread(create_app(markup_variant="upgraded"))
    yield server
    server.stop()


@pytest.fixture
def upgraded(upgraded_server: RunningServer) -> Iterator[httpx.Client]:
    """An admin client of the upgraded AMS, reset, with KNOWN filed."""
    with httpx.Client(base_url=upgraded_server.url, timeout=30.0) as admin:
        admin.post("/_admin/reset").raise_for_status()
        admin.post("/_admin/seed", json=[basic_record(KNOWN, serial=7)]).raise_for_status()
        permit = admin.get("/_admin/filings").json()[0]["record"]["basic_account_permit"]
        changes = [
            basic_record(KNOWN, serial=7, action="change", day=f"2026-11-{n:02d}", change_items="注册地址",
                         basic_account_permit=permit, registered_address=f"北京市朝阳区建国路{n}号")
            for n in range(3, 14)
        ]  # fmt: skip
        admin.post("/_admin/seed", json=changes).raise_for_status()  # 12 filings: two pages
        yield admin


def _probe(tmp_path: Path, url: str, selectors_dir: Path | None = None) -> Any:
    extra = {"RPA_SELECTORS_DIR": str(selectors_dir)} if selectors_dir else {}
    cli = make_cli_env(
        tmp_path,
        RPA_AMS_URL=url,
        RPA_AMS_OPERATORS=json.dumps([{"code": OPERATOR[0], "password": OPERATOR[1]}]),
        **extra,
    )
    return cli.run("portal", "probe", "ams", "--account", KNOWN, timeout=240)


def _only_the_seeded_filing(admin: httpx.Client) -> None:
    filings = admin.get("/_admin/filings").json()
    assert {(f["account_no"], f["submitted"]) for f in filings} == {(KNOWN, 0)} and len(filings) == 12
    assert admin.get("/_admin/submissions").json() == []


@pytest.mark.timeout(300)
def test_the_probe_with_todays_selectors_lists_every_miss_and_exits_1(
    upgraded: httpx.Client, tmp_path: Path
) -> None:
    done = _probe(tmp_path, str(upgraded.base_url).rstrip("/"))
    assert done.returncode == 1, done.stdout + done.stderr
    complaint = done.stderr.replace("\n", "")
    assert "探测未通过" in complaint
    listed = complaint.split("个元素有问题：", 1)[1].split("请按上表")[0].split("、")
    assert sorted(listed) == sorted(EVERY_MISS)
    table = done.stdout
    assert "页面" in table and "元素" in table and "结果" in table
    assert "匹配多个元素（候选 2 匹配 2 个）" in table  # 姓名 of 经办人 and of 法定代表人
    assert "只在按下“确认提交”之后出现" in table  # the result page: not visited, and why
    assert "Traceback" not in done.stderr
    _only_the_seeded_filing(upgraded)  # the probe went as far as 信息核对 and filed nothing


@pytest.mark.timeout(300)
def test_the_probe_with_the_edited_yaml_finds_everything(upgraded: httpx.Client, tmp_path: Path) -> None:
    edited = write_upgraded_selectors(tmp_path / "selectors")
    done = _probe(tmp_path, str(upgraded.base_url).rstrip("/"), edited)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = ("header=办理业务", "header=生效日期", "header=备案流水号", "检 索", "提交备案", "第 2 页 2 行")
    for found in shown:
        assert found in done.stdout
    _only_the_seeded_filing(upgraded)


def _settings(tmp_path: Path, url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "runs_dir": tmp_path / "runs",
        "audit_key_file": tmp_path / "keys" / "audit.key",
        "ams_url": url,
        "ams_operators": [OperatorCredential(code=OPERATOR[0], password=OPERATOR[1])],
        "lease_seconds": 15.0,
        "heartbeat_seconds": 3.0,
        "backoff_base_seconds": 0.1,
        "backoff_max_seconds": 0.5,
        "action_timeout_ms": 1_500,
        "max_attempts": 2,
        **overrides,
    }
    return Settings(**values)


def _export(tmp_path: Path) -> Path:
    record = FilingRecord.model_validate(basic_record(NEW, serial=8)).model_dump()
    return write_export(tmp_path / "accounts.xlsx", [record])


def _run(settings: Settings, source: Path) -> RunOutcome:
    params = {"input": str(source), "today": REFERENCE_DAY}
    return execute_run(settings, "account-filing", {"flow_params": params}, workers=1)


def _statuses(outcome: RunOutcome) -> list[tuple[str, str]]:
    sheet = load_workbook(outcome.folder / "result.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [(str(r[header.index("状态")]), str(r[header.index("说明")] or "")) for r in rows[1:]]


@pytest.mark.timeout(400)
def test_a_run_with_todays_selectors_files_nothing(upgraded: httpx.Client, tmp_path: Path) -> None:
    source = _export(tmp_path)
    outcome = _run(_settings(tmp_path, str(upgraded.base_url).rstrip("/")), source)
    assert outcome.exit_code == 3  # stopped: the portal changed
    assert outcome.stop_reason and "元素 'query'" in outcome.stop_reason
    assert outcome.counts.get("done", 0) == 0
    _only_the_seeded_filing(upgraded)
    [(status, _)] = _statuses(outcome)
    assert status != "已报备"


@pytest.mark.timeout(400)
def test_a_run_with_the_edited_yaml_files_once_then_finds_it_filed(
    upgraded: httpx.Client, tmp_path: Path
) -> None:
    edited = write_upgraded_selectors(tmp_path / "selectors")
    source = _export(tmp_path)
    url = str(upgraded.base_url).rstrip("/")
    first = _run(_settings(tmp_path / "first", url, selectors_dir=edited), source)
    assert first.exit_code == 0, first.stop_reason
    assert [s for s, _ in _statuses(first)] == ["已报备"]
    # a second run with its own queue: the look-up reads the renamed history and finds the filing
    second = _run(_settings(tmp_path / "second", url, selectors_dir=edited), source)
    assert second.exit_code == 0, second.stop_reason
    assert [s for s, _ in _statuses(second)] == ["此前已报备"]
    filings = {f["account_no"]: f for f in upgraded.get("/_admin/filings").json()}
    assert filings[NEW]["submitted"] == 1 and len(upgraded.get("/_admin/filings").json()) == 13
    # the legal representative's fields were filled, not the 经办人's that reuse their labels
    assert filings[NEW]["record"]["legal_rep_name"] == "张伟"
    assert filings[NEW]["record"]["id_number"] == "11010519491231002X"


@pytest.mark.timeout(120)
def test_unscoped_selectors_never_type_into_the_agents_fields(
    upgraded: httpx.Client, page: Any, tmp_path: Path
) -> None:
    # an edit that fixed the captions but forgot the sections: 姓名 and 证件号码 are on the form
    # twice (经办人 first), so the label candidate matches two fields: an error, not the first one
    selectors_dir = write_upgraded_selectors(tmp_path, scope_legal_rep=False)
    settings = Settings(
        ams_url=str(upgraded.base_url).rstrip("/"), action_timeout_ms=1_500, selectors_dir=selectors_dir
    )
    bot = AmsBot(page, load_selectors("ams", settings.selectors_dir), settings,
                 load_message_catalogue(settings.config_dir))  # fmt: skip
    bot.login(*OPERATOR)
    with pytest.raises(PortalChanged) as caught:
        bot.prepare_filing(FilingRecord.model_validate(basic_record(NEW, serial=8)))
    assert caught.value.code == "selector_ambiguous"
    assert "元素 'legal_rep_name'" in str(caught.value) and "匹配到 2 个元素" in str(caught.value)
    frame = page.frame_locator("iframe")
    assert frame.locator("input").evaluate_all("els => els.map(e => e.value)").count("张伟") == 0
    _only_the_seeded_filing(upgraded)
