"""run.log sinks: one per run, only that run's records, never local variables or raw data."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from loguru import logger

from rpa.logs import add_run_log, configure_logging


def test_each_run_log_gets_only_its_own_runs_records(tmp_path: Path) -> None:
    configure_logging(console=False)
    first = add_run_log(tmp_path / "a" / "run.log", run_id="run-a")
    second = add_run_log(tmp_path / "b" / "run.log", run_id="run-b")
    try:
        with logger.contextualize(run_id="run-a"):
            logger.info("from run a, account 6222020200112233445")
        with logger.contextualize(run_id="run-b"):
            logger.info("from run b")
    finally:
        logger.remove(first)
        logger.remove(second)
    a_text = (tmp_path / "a" / "run.log").read_text(encoding="utf-8")
    b_text = (tmp_path / "b" / "run.log").read_text(encoding="utf-8")
    assert "from run a" in a_text and "from run b" not in a_text
    assert "from run b" in b_text and "from run a" not in b_text
    assert "6222020200112233445" not in a_text and "3445" in a_text
    assert oct((tmp_path / "a" / "run.log").stat().st_mode & 0o777) == oct(0o600)


def test_a_record_without_run_id_does_not_break_the_sink(tmp_path: Path) -> None:
    configure_logging(console=False)
    logger.configure(patcher=None, extra={})  # as code that reconfigures loguru would
    sink = add_run_log(tmp_path / "run.log")
    try:
        logger.info("no run id here")
    finally:
        logger.remove(sink)
        configure_logging(console=False)
    assert "no run id here" in (tmp_path / "run.log").read_text(encoding="utf-8")


ID_NUMBER = "11010519491231002X"  # a resident ID number (check digit X), planted in errors
ACCOUNT = "6222020200112233445"


def _a_flow_step(account: str, id_number: str) -> None:
    raise ValueError(f"cannot parse the page for {account} {id_number}")


def test_a_bugs_traceback_is_kept_in_run_log_and_masked(tmp_path: Path) -> None:
    configure_logging(console=False)
    sink = add_run_log(tmp_path / "run.log")
    try:
        try:
            _a_flow_step(ACCOUNT, ID_NUMBER)
        except ValueError as exc:
            logger.opt(exception=exc).error("item 3: a bug")
    finally:
        logger.remove(sink)
    text = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last):" in text
    assert "in _a_flow_step" in text and "test_logs.py" in text  # the frames are there
    assert "ValueError: cannot parse the page for" in text
    assert ID_NUMBER not in text and ACCOUNT not in text
    assert "002X" in text and "3445" in text  # masked to their tails, not dropped


def test_stdlib_logging_goes_through_the_same_masking(tmp_path: Path) -> None:
    configure_logging(console=False)
    sink = add_run_log(tmp_path / "run.log")
    try:
        logging.getLogger("sqlalchemy.pool").warning("connection for %s dropped", ACCOUNT)
        logging.getLogger("apscheduler.executors.default").info("job for %s ran", ID_NUMBER)
        logging.getLogger("sqlalchemy.engine").info("SELECT 1 -- below the library's level")
        try:
            {}[ACCOUNT]
        except KeyError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    finally:
        logger.remove(sink)
    text = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "connection for" in text and "job for" in text
    assert "Exception in ASGI application" in text and "Traceback (most recent call last):" in text
    assert "SELECT 1" not in text
    assert ACCOUNT not in text and ID_NUMBER not in text
    assert "WARNING" in text and "ERROR" in text  # the stdlib levels kept


def test_the_terminal_names_a_level_in_chinese_and_run_log_keeps_loguru_s_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO")  # tester AK read `WARNING 4 行无效，未报备` on the terminal
    try:
        sink = add_run_log(tmp_path / "run.log", run_id="R1")
        logger.bind(run_id="R1").warning("4 行无效，未报备")
        logger.remove(sink)
    finally:
        configure_logging(console=False)
    said = capsys.readouterr().err
    assert " 注意 4 行无效，未报备" in said and "WARNING" not in said, said
    assert "WARNING [R1]" in (tmp_path / "run.log").read_text(encoding="utf-8")


def test_run_log_times_are_in_the_runs_zone(tmp_path: Path) -> None:
    """Tester BJ F9 (2026-12-07): run.log wrote the machine's UTC (14:23+0000) while the run id, the
    audit chain and report.html said 22:23+0800. Both ways of writing a line use the zone given."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from rpa.logs import append_run_log_line

    shanghai, log = ZoneInfo("Asia/Shanghai"), tmp_path / "run.log"
    configure_logging(console=False)
    sink = add_run_log(log, run_id="R1", zone=shanghai)
    try:
        with logger.contextualize(run_id="R1"):
            logger.info("事项 5：已报备")
    finally:
        logger.remove(sink)
    append_run_log_line(log, "R1", "第 3 行由 柜员王 重试", shanghai)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(line.split(" ")[0].endswith("+0800") for line in lines)
    for line in lines:
        written = datetime.strptime(line.split(" ")[0], "%Y-%m-%dT%H:%M:%S.%f%z")
        assert abs(written - datetime.now(shanghai)) < timedelta(minutes=1)
