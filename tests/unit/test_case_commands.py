"""`rpa cases ...` (异常处理 from the command line) on the same real SQLite queue as
tests/unit/test_casework_actions.py: the list a clerk reads, and refusals that exit 2 with one
Chinese line before anything changes (the actions themselves are tested there and, with the run
resumed, in tests/console/test_console_exceptions.py)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rpa.cli.main import app
from rpa.queue.work_queue import ItemState, WorkQueue
from rpa.settings import Settings
from tests.unit.test_casework_actions import ACCOUNTS, OPERATOR, RUN, settings  # noqa: F401  (fixture)


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:  # noqa: F811
    return {"RPA_RUNS_DIR": str(settings.runs_dir), "RPA_AUDIT_KEY_FILE": str(settings.audit_key_file),
            "RPA_MAX_ATTEMPTS": "1", "COLUMNS": "200"}


def test_list_shows_the_rows_waiting_with_the_portal_words_masked(env: dict[str, str]) -> None:
    done = CliRunner().invoke(app, ["cases", "list"], env=env)
    assert done.exit_code == 0, done.output
    assert f"运行 {RUN}" in done.output and "待处理 3 行" in done.output
    # when due; AMS's own words name no row, so the row's action, account (masked) and date lead
    # them, as the bot's own messages have them (tester AG)
    assert ("第 2 行：门户拒绝；报备期限 2026-12-02，已逾期；开户 ***************0027 2026-12-02："
            "基本存款账户不存在") in done.output
    assert "第 3 行：失败，系统故障可重试" in done.output
    assert "第 5 行" not in done.output and ACCOUNTS[2] not in done.output


def test_refusals_exit_2_in_chinese_and_change_nothing(env: dict[str, str], settings: Settings) -> None:  # noqa: F811
    runner = CliRunner()
    bad = runner.invoke(app, ["cases", "correct", RUN, "2", "--set", "证件号码=360426199101010072",
                              "--user", OPERATOR], env=env)
    assert bad.exit_code == 2 and "「证件号码」" in bad.output and "Traceback" not in bad.output
    unknown = runner.invoke(app, ["cases", "mark", RUN, "6", "--filing-no", "AMS1", "--reason", "x"], env=env)
    # row 6 was filed: said so with its number (tester BM F17: not "no such row")
    filed = "第 6 行已办结：已报备（备案编号 AMS**********0001），无需再办理"
    assert unknown.exit_code == 2 and filed in unknown.output, unknown.output
    nowhere = runner.invoke(app, ["cases", "mark", RUN, "9", "--filing-no", "AMS1", "--reason", "x"], env=env)
    assert nowhere.exit_code == 2 and "第 9 行不在待处理的行中" in nowhere.output
    shape = runner.invoke(app, ["cases", "correct", RUN, "2", "--set", "证件号码"], env=env)
    assert shape.exit_code == 2 and "项名=新值" in shape.output
    states = {item.payload["row"]: item.state for item in WorkQueue.from_settings(settings).items(RUN)}
    assert states[2] == ItemState.BUSINESS_ERROR
