"""The error tree in whole runs through the real CLI: a bug fails its item once with its
traceback in run.log (masked), and a broken selectors file refuses the run with exit 2 (before
any worker starts when the parent can tell, at once from a worker when only a worker can)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rpa.queue.work_queue import WorkQueue
from tests.e2e.cli_helpers import make_cli_env, run_id_from

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ROOT / "fixtures" / "inputs"
# what the smoke flow's "crash" item puts in its (careless) exception message
PLANTED_ACCOUNT = "6222020200112233445"
PLANTED_ID_NUMBER = "11010519491231002X"


def _selectors_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "selectors"
    shutil.copytree(ROOT / "selectors", folder)
    return folder


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("错误：")]


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_a_bug_in_a_flow_step_fails_its_item_once_with_the_traceback_masked(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path, RPA_MAX_ATTEMPTS="3")
    done = cli.run("run", "smoke", "--modes", "crash,ok", "--items", "2", "--workers", "1", check_exit=1)
    run_id = run_id_from(done.stdout)
    items = {i.payload["mode"]: i for i in WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}").items(run_id)}
    assert items["crash"].state == "failed" and items["crash"].attempts == 1  # never retried
    assert items["crash"].last_error_code == "unexpected_ValueError"
    assert items["ok"].state == "done"

    log = (cli.runs / run_id / "run.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last):" in log
    assert "flows/smoke/flow.py" in log and "in handle" in log  # the frame that raised
    assert "ValueError: cannot parse page for" in log
    assert PLANTED_ID_NUMBER not in log and PLANTED_ACCOUNT not in log
    assert PLANTED_ID_NUMBER[-4:] in log  # masked to its tail, not dropped
    events = [json.loads(line) for line in (cli.runs / run_id / "audit.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events].count("item.failed") == 1
    cli.run("audit", "verify", run_id, check_exit=0)  # an item.failed counts as the item's outcome


@pytest.mark.timeout(120)
def test_a_broken_ams_selectors_file_refuses_the_run_before_any_worker(tmp_path: Path) -> None:
    selectors = _selectors_copy(tmp_path)
    text = (selectors / "ams.yaml").read_text(encoding="utf-8")
    (selectors / "ams.yaml").write_text(text.replace("  login:\n", "  login: [\n", 1), encoding="utf-8")
    operators = json.dumps([{"code": "OP0001", "password": "Pw-0001"}])
    cli = make_cli_env(tmp_path, RPA_SELECTORS_DIR=str(selectors), RPA_AMS_OPERATORS=operators,
                       RPA_AMS_URL="http://127.0.0.1:9/ams")  # never reached
    done = cli.run("run", "account-filing", "--input", str(INPUTS / "accounts.xlsx"), check_exit=2)
    errors = _error_lines(done.stderr)
    assert len(errors) == 1, done.stderr
    assert "选择器配置有误" in errors[0] and "ams.yaml" in errors[0] and "RPA_SELECTORS_DIR" in errors[0]
    assert "Traceback" not in done.stderr + done.stdout

    (folder,) = [p for p in cli.runs.iterdir() if (p / "run.json").exists()]
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert info["exit_code"] == 2
    queue = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}")
    assert queue.items(folder.name) == []  # nothing enqueued, so nothing claimed
    assert " started" not in (folder / "run.log").read_text(encoding="utf-8")  # no worker ran


@pytest.mark.timeout(120)
@pytest.mark.parametrize("slip", ["element_key", "messages_kind"])
def test_a_maintainers_slip_the_bot_would_meet_refuses_doctor_and_the_run_before_queuing(
    tmp_path: Path, slip: str
) -> None:
    """Tester AB: `depositor_nam:` in selectors/ams.yaml passed `rpa doctor`, the probe and a dry
    run, and a real run queued its rows before its workers found it; a bad ams_messages.yaml
    was found the same way, and doctor did not read the file at all."""
    selectors, config = _selectors_copy(tmp_path), tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    if slip == "element_key":
        text = (selectors / "ams.yaml").read_text(encoding="utf-8")
        edited = text.replace(" depositor_name: &depositor_name", " depositor_nam: &depositor_name", 1)
        (selectors / "ams.yaml").write_text(edited, encoding="utf-8")
        said = "页面 open_form 缺少元素 depositor_name"
    else:
        text = (config / "ams_messages.yaml").read_text(encoding="utf-8")
        (config / "ams_messages.yaml").write_text(text.replace("kind: batch_window", "kind: buisness", 1),
                                                  encoding="utf-8")
        said = "ams_messages.yaml"
    cli = make_cli_env(tmp_path, RPA_SELECTORS_DIR=str(selectors), RPA_CONFIG_DIR=str(config),
                       RPA_AMS_OPERATORS=json.dumps([{"code": "OP0001", "password": "Pw-0001"}]),
                       RPA_AMS_URL="http://127.0.0.1:9/ams")  # never reached
    doctor = cli.run("doctor", check_exit=2)
    assert any(line.startswith("✗") and said in line for line in doctor.stdout.splitlines()), doctor.stdout
    for dry in ((), ("--dry-run",)):
        done = cli.run("run", "account-filing", "--input", str(INPUTS / "accounts.xlsx"), *dry, check_exit=2)
        errors = _error_lines(done.stderr)
        assert len(errors) == 1 and "配置有误，运行未开始" in errors[0] and said in errors[0], done.stderr
    queue = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}")
    assert all(queue.items(folder.name) == [] for folder in cli.runs.iterdir() if folder.is_dir())


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_a_selector_only_a_worker_misses_stops_the_run_at_once_with_exit_2(tmp_path: Path) -> None:
    selectors = _selectors_copy(tmp_path)
    text = (selectors / "smoke_site.yaml").read_text(encoding="utf-8")
    # a valid file whose login page lacks the operator code field the worker fills
    broken = text.replace('      operator_code:\n        - css: "input[name=userCode]"\n'
                          '        - label: "操作员代码"\n', "")
    assert broken != text
    (selectors / "smoke_site.yaml").write_text(broken, encoding="utf-8")
    cli = make_cli_env(tmp_path, RPA_SELECTORS_DIR=str(selectors))
    done = cli.run("run", "smoke", "--items", "4", "--workers", "2", check_exit=2)
    run_id = run_id_from(done.stdout)
    log = (cli.runs / run_id / "run.log").read_text(encoding="utf-8")
    assert log.count(" started") <= 2, log  # the two first workers, none started again
    assert "starting worker" not in log
    counts = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}").counts(run_id)
    assert counts.get("pending") == 4 and not counts.get("leased")
    info = json.loads((cli.runs / run_id / "run.json").read_text(encoding="utf-8"))
    assert info["exit_code"] == 2 and "operator_code" in info["stop_reason"]
