"""A dry run (演练, `--dry-run`) is never 异常处理's: it submitted nothing, so its held, refused
and failed rows are not listed (`rpa cases list`, the console's page, through `open_cases`) and
every action on it is refused in one Chinese line saying it is a 演练 and to run the real filing,
before anything changes. On the real SQLite queue of tests/unit/test_casework_actions.py."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from rpa.audit.log import AuditLog
from rpa.casework.actions import approve_by_hand, correct, mark_by_hand, retry_failures
from rpa.casework.cases import open_cases
from rpa.cli.main import app
from rpa.errors import UsageError
from rpa.queue.work_queue import ItemState, WorkQueue
from rpa.settings import Settings
from tests.unit.test_casework_actions import CHECKER, OPERATOR, RUN, settings  # noqa: F401  (fixture)

REFUSED = r"运行 .* 是演练（只校验和查询，未向 AMS 提交）.*请运行正式报备（不带 --dry-run）"


@pytest.fixture
def dry_run(settings: Settings) -> Settings:  # noqa: F811
    """The fixture's run, started as a dry run: its rows 2 (refused), 3 and 4 (failed) as before."""
    path = settings.runs_dir / RUN / "run.json"
    info = json.loads(path.read_text(encoding="utf-8"))
    info["parameters"]["flow_params"]["dry_run"] = True
    path.write_text(json.dumps(info), encoding="utf-8")
    return settings


def _states(cfg: Settings) -> dict[int, tuple[ItemState, dict[str, object]]]:
    items = WorkQueue.from_settings(cfg).items(RUN)
    return {item.payload["row"]: (item.state, item.payload) for item in items}


def test_a_dry_runs_rows_are_not_cases(dry_run: Settings) -> None:
    assert open_cases(dry_run) == [] and open_cases(dry_run, RUN) == []


def test_every_action_on_a_dry_run_is_refused_and_changes_nothing(dry_run: Settings) -> None:
    before = _states(dry_run)
    ids = {item.payload["row"]: item.id for item in WorkQueue.from_settings(dry_run).items(RUN)}
    actions: list[Callable[[], object]] = [
        lambda: correct(dry_run, RUN, ids[2], OPERATOR, {"基本存款账户编号": "J3930000567802"}),
        lambda: mark_by_hand(dry_run, RUN, ids[2], OPERATOR, "100020261202000001", "柜面已办理"),
        lambda: approve_by_hand(dry_run, RUN, ids[2], CHECKER),
        lambda: retry_failures(dry_run, RUN, OPERATOR),
    ]
    for act in actions:
        with pytest.raises(UsageError, match=REFUSED):
            act()
    assert _states(dry_run) == before
    assert [e.event for e in AuditLog.from_settings(dry_run).events(RUN)] == ["run.started"]  # nothing more


def test_the_cli_lists_no_dry_run_and_refuses_to_correct_its_row(dry_run: Settings) -> None:
    env = {"RPA_RUNS_DIR": str(dry_run.runs_dir), "RPA_AUDIT_KEY_FILE": str(dry_run.audit_key_file),
           "RPA_MAX_ATTEMPTS": "1", "COLUMNS": "200"}
    runner = CliRunner()
    listed = runner.invoke(app, ["cases", "list"], env=env)
    assert listed.exit_code == 0 and listed.output.strip() == "没有待处理的行", listed.output
    named = runner.invoke(app, ["cases", "list", RUN], env=env)
    assert named.exit_code == 0 and "是演练" in named.output and "第 2 行" not in named.output
    before = _states(dry_run)
    done = runner.invoke(app, ["cases", "correct", RUN, "2", "--set", "基本存款账户编号=J3930000567802",
                               "--user", OPERATOR], env=env)
    assert done.exit_code == 2 and "是演练" in done.output and "正式报备" in done.output, done.output
    assert "Traceback" not in done.output and len(done.output.strip().splitlines()) == 1
    assert _states(dry_run) == before
