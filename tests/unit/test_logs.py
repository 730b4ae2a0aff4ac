"""run.log sinks: one per run, only that run's records, never local variables or raw data."""

from __future__ import annotations

from pathlib import Path

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
