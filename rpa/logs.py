"""Logging with loguru: never local variables (`diagnose=False`), every message scrubbed.

`configure_logging()` sets the terminal sink; `add_run_log(path)` adds a run's `run.log`
(created 0600). Loggers are bound with `run_id` (and `item_ref` where there is an item).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from rpa.masking import scrub_text

if TYPE_CHECKING:
    from loguru import Record

_CONSOLE_FORMAT = "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {message}"
_FILE_FORMAT = "{time:YYYY-MM-DDTHH:mm:ss.SSSZZ} {level: <7} [{extra[run_id]}] {process.id} {message}"


def _scrub(record: Record) -> None:
    record["message"] = scrub_text(record["message"])
    record["extra"].setdefault("run_id", "-")
    if record["exception"] is not None:
        # the formatted exception text goes through the same scrubbing
        exc_type, exc_value, _ = record["exception"]
        if exc_value is not None:
            record["extra"]["error"] = scrub_text(f"{exc_type.__name__ if exc_type else ''}: {exc_value}")


def configure_logging(level: str = "INFO", console: bool = True, run_id: str = "-") -> None:
    """Reset loguru to the suite's sinks. Safe to call more than once (each worker process does)."""
    logger.remove()
    logger.configure(patcher=_scrub, extra={"run_id": run_id})
    if console:
        logger.add(
            sys.stderr,
            level=level,
            format=_CONSOLE_FORMAT,
            diagnose=False,
            backtrace=False,
            colorize=None,
        )


def add_run_log(path: Path, level: str = "DEBUG", run_id: str | None = None) -> int:
    """Add a run's run.log (owner-only); returns the sink id to remove when the run ends.

    With `run_id`, only that run's records go there (a scheduler process runs many runs, one
    after the other or at once in threads). Exceptions are logged by type and scrubbed text only.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
    return logger.add(
        _RunLogFile(path),
        level=level,
        format=_file_format,
        diagnose=False,
        backtrace=False,
        enqueue=False,
        filter=(lambda record: record["extra"].get("run_id") == run_id) if run_id else None,
    )


class _RunLogFile:
    """run.log, appended line by line. A full disk or a folder turned read-only stops the log,
    not the run: loguru would print a traceback for every record, and the run itself reports the
    disk problem where it writes its records (`rpa.disk`)."""

    def __init__(self, path: Path) -> None:
        self._handle: Any = path.open("a", encoding="utf-8")

    def write(self, message: str) -> None:
        if self._handle is None:
            return
        try:
            self._handle.write(message)
            self._handle.flush()
        except OSError:
            self.stop()

    def stop(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            try:
                handle.close()
            except OSError:
                return  # the unwritten tail is lost with the disk that refused it


def _file_format(record: Any) -> str:
    record["extra"].setdefault("run_id", "-")  # records from code that reconfigured loguru
    tail = " | {extra[error]}" if "error" in record["extra"] else ""
    return _FILE_FORMAT + tail + "\n"
