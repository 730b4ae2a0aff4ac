"""`rpa demo`, the README's first command after the bootstrap: both bots on the sample inputs
against fresh mock portals, each demo in a folder (and queue) of its own."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from flows.demo.run import demo_runs_dir
from tests.e2e.cli_helpers import make_cli_env


def test_each_demo_gets_a_new_folder_even_within_the_same_second(tmp_path: Path) -> None:
    now = datetime(2026, 11, 28, 9, 30, 5)
    first, second = demo_runs_dir(tmp_path, now), demo_runs_dir(tmp_path, now)
    assert first != second and first.is_dir() and second.is_dir()
    assert (first.name, second.name) == ("demo-20261128-093005", "demo-20261128-093005-2")
    assert oct(first.stat().st_mode & 0o777) == oct(0o700)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(900)
def test_the_demo_files_the_sample_export_and_extracts_the_reports_in_its_own_folder(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path)
    done = cli.run("demo", timeout=840, check_exit=0)
    out = done.stdout

    filing = re.search(r"单位结算账户备案：运行 ([^，\s]+)，退出码 (\d)，(.*)", out)
    extraction = re.search(r"报表数据提取：运行 ([^，\s]+)，退出码 (\d)，(.*)", out)
    assert filing is not None and extraction is not None, out
    assert filing.group(2) == "1"  # the sample holds rows the portal refuses and rows for a person
    assert "已完成" in filing.group(3) and "已完成 10" in extraction.group(3).split("，")
    # the sample's rows AMS refuses are counted by their word in result.xlsx, as on the run's verdict
    assert "门户拒绝" in filing.group(3) and "业务错误" not in filing.group(3), filing.group(3)

    demo_dirs = [p for p in cli.runs.iterdir() if p.name.startswith("demo-")]
    assert len(demo_dirs) == 1
    demo_dir = demo_dirs[0]
    assert (demo_dir / "queue.db").exists()  # a fresh queue: a second demo files the sample again
    for run_id in (filing.group(1), extraction.group(1)):
        assert (demo_dir / run_id / "report.html").exists()
    assert (demo_dir / filing.group(1) / "result.xlsx").exists()
    assert (demo_dir / extraction.group(1) / "consolidated.xlsx").exists()

    assert f"RPA_RUNS_DIR={demo_dir} .venv/bin/rpa audit verify <run id>" in out
    pointed = make_cli_env(tmp_path, RPA_RUNS_DIR=str(demo_dir))
    pointed.run("audit", "verify", filing.group(1), check_exit=0)
