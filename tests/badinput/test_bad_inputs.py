"""Every bad input or setting gets exit 2 and a short Chinese message naming it: never a
traceback, a hang, unbounded memory or a long message (issue #18).

Each case runs the real `rpa` command in a subprocess from the worktree root, with a wall-clock
timeout and an address-space cap; no case starts a browser (input is checked first).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.badinput.cases import Case, all_cases

ROOT = Path(__file__).resolve().parents[2]
WALL_SECONDS = 45
MEMORY_BYTES = 3 * 1024 * 1024 * 1024
MAX_MESSAGE_LINES = 6

pytestmark = [pytest.mark.slow, pytest.mark.timeout(WALL_SECONDS + 15)]


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def _fill(text: str, folder: Path) -> str:
    return text.replace("{dir}", str(folder))


def run_case(case: Case, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
    env.update(
        RPA_RUNS_DIR=str(folder / "runs"),
        RPA_AUDIT_KEY_FILE=str(folder / "keys" / "audit.key"),
        COLUMNS="200",
    )
    env.update({key: _fill(value, folder) for key, value in case.env.items()})
    if case.setup is not None:
        case.setup(folder)
    return subprocess.run(
        [sys.executable, "-m", "rpa", *(_fill(arg, folder) for arg in case.args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WALL_SECONDS,
        preexec_fn=_cap_memory,
        check=False,
    )


CASES = all_cases()


def test_the_suite_is_large_enough() -> None:
    assert len(CASES) >= 80, len(CASES)
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_clearly(case: Case, tmp_path: Path) -> None:
    done = run_case(case, tmp_path)
    output = done.stdout + done.stderr
    assert "Traceback" not in output and "╭─" not in output, output
    assert "Error:" not in output and "Usage:" not in output, output  # click's English, not a clerk's
    assert done.returncode == case.exit_code, f"exit {done.returncode}\n{output}"
    assert _fill(case.fragment, tmp_path) in output, output
    message = [line for line in done.stderr.splitlines() if line.strip() and "━" not in line]
    assert len(message) <= MAX_MESSAGE_LINES, done.stderr
    if case.exit_code == 2:
        assert re.search(r"[\u4e00-\u9fff]", output), output  # said in Chinese


def test_an_input_that_is_not_a_file_opens_no_run(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "run_filing_fifo_input")
    assert run_case(case, tmp_path).returncode == 2
    assert list((tmp_path / "runs").glob("*/run.json")) == []


def test_a_refused_run_input_leaves_no_run_open(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "run_filing_corrupt_input")
    assert run_case(case, tmp_path).returncode == 2
    listing = run_case(Case("list", ("runs", "list"), 0, ""), tmp_path)
    assert listing.returncode == 0, listing.stderr
    rows = [line for line in listing.stdout.splitlines() if "account-filing" in line]
    assert rows and all("running" not in row for row in rows), listing.stdout


def test_a_flag_taken_as_a_value_opens_no_run(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "cli_maker_takes_approval")
    assert run_case(case, tmp_path).returncode == 2
    assert list((tmp_path / "runs").glob("*/run.json")) == []


def test_a_resume_given_the_run_folder_s_path_leaves_that_run_untouched(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "cli_resume_by_folder_path")
    assert run_case(case, tmp_path).returncode == 2
    (folder,) = [p.parent for p in (tmp_path / "runs").glob("*/run.json")]
    assert sorted(p.name for p in folder.iterdir()) == ["run.json"]  # no other run wrote into it
