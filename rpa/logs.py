"""The one logging setup: loguru, never local variables (`diagnose=False`), everything scrubbed.

`configure_logging()` sets the terminal sink (`configure_daemon_logging()` adds a rotating log file
and shows every time in one timezone) and routes the standard library's `logging`
(uvicorn, SQLAlchemy, APScheduler, asyncio...) into loguru through `InterceptHandler`, so
their records are scrubbed like ours; `add_run_log(path)` adds a run's `run.log` (created
0600). Loggers are bound with `run_id` (and `item_ref` where there is an item).
`append_run_log_line(path, run_id, text)` writes one line into a run's run.log from another
process (a person's action on the run's rows), in the same format, scrubbed.

A record logged with an exception (`logger.opt(exception=exc)`, `logger.exception`, or a
stdlib record with `exc_info`) keeps its traceback, without local variables and scrubbed
like the message, in run.log and on the terminal.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timezone, tzinfo
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from loguru import logger

from rpa.masking import scrub_text

if TYPE_CHECKING:
    from loguru import Record

_CONSOLE_FORMAT = "<green>{time:HH:mm:ss}</green> <level>%s</level> {message}"
# the terminal's word for a level, a clerk's (tester AK read `WARNING 4 行无效`); run.log keeps
# loguru's names for the tools that read it
LEVEL_WORDS = {"TRACE": "跟踪", "DEBUG": "调试", "INFO": "信息", "SUCCESS": "完成", "WARNING": "注意",
               "ERROR": "错误", "CRITICAL": "严重"}
_FILE_TIME = "{time:YYYY-MM-DDTHH:mm:ss.SSSZZ}"
_FILE_FORMAT = _FILE_TIME + " {level: <7} [{extra[run_id]}] {process.id} {message}"
# stdlib loggers of the libraries the suite runs, and the lowest level each is let through at
STDLIB_LEVELS = {
    "": logging.INFO,
    "uvicorn": logging.INFO,
    "uvicorn.error": logging.INFO,
    "uvicorn.access": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "apscheduler": logging.INFO,
    "asyncio": logging.WARNING,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    # pdfminer's warnings are English notes on a PDF's oddities (a colour it cannot set: tester BK
    # F5 saw one on the clerk's terminal); the report reader's own checks say what matters, in Chinese
    "pdfminer": logging.ERROR,
}


def _scrub(record: Record) -> None:
    record["message"] = scrub_text(record["message"])
    record["extra"].setdefault("run_id", "-")
    _scrub_exception(record)


def _scrub_exception(record: Any) -> None:
    """The record's exception text and traceback, scrubbed, in `extra` (once). Only that copy
    is written: sinks format records with `_file_format`/`_console_format`, which never print
    loguru's own (unscrubbed) rendering of the exception."""
    if record["exception"] is None or "traceback" in record["extra"]:
        return
    exc_type, exc_value, exc_tb = record["exception"]
    if exc_value is not None:
        record["extra"]["error"] = scrub_text(f"{exc_type.__name__ if exc_type else ''}: {exc_value}")
        lines = traceback.format_exception(exc_type, exc_value, exc_tb)
        record["extra"]["traceback"] = scrub_text("".join(lines)).rstrip("\n")


class InterceptHandler(logging.Handler):
    """Hands every stdlib logging record to loguru (scrubbed by the same patcher), at its level
    and with its traceback, as if the caller had logged it with loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame: FrameType | None = logging.currentframe()
        depth = 2
        while frame is not None and frame.f_code.co_filename == logging.__file__:
            frame, depth = frame.f_back, depth + 1
        exc_info = record.exc_info if record.exc_info and record.exc_info[1] is not None else None
        logger.opt(depth=depth, exception=exc_info).bind(logger_name=record.name).log(
            level, record.getMessage()
        )


def route_stdlib_logging() -> None:
    """Every stdlib logger ends in `InterceptHandler`: the root logger's only handler, and the
    libraries' own handlers (uvicorn installs some) removed so their records reach it."""
    root = logging.getLogger()
    root.handlers = [InterceptHandler()]
    for name, level in STDLIB_LEVELS.items():
        named = logging.getLogger(name)
        named.setLevel(level)
        if name:
            named.handlers = []
            named.propagate = True


def configure_logging(level: str = "INFO", console: bool = True, run_id: str = "-") -> None:
    """Reset loguru to the suite's sinks. Safe to call more than once (each worker process does)."""
    logger.remove()
    logger.configure(patcher=_scrub, extra={"run_id": run_id})
    route_stdlib_logging()
    if console:
        logger.add(
            sys.stderr,
            level=level,
            format=_console_format,
            diagnose=False,
            backtrace=False,
            colorize=None,
        )


def configure_daemon_logging(log_file: Path, zone: tzinfo, level: str = "INFO") -> int:
    """A long-running process (the scheduler daemon): the terminal at `level` and a rotating
    `log_file` (10 MB each, the last 10 kept), every time in `zone`. Returns the file's sink id."""
    configure_logging(level=level)

    def scrub_in_zone(record: Record) -> None:
        _scrub(record)
        moment = record["time"]
        offset = moment.astimezone(zone).utcoffset()
        record["time"] = moment.astimezone(timezone(offset) if offset is not None else UTC)

    logger.configure(patcher=scrub_in_zone)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    return logger.add(
        log_file, level=level, format=_file_format, rotation="10 MB", retention=10, encoding="utf-8",
        diagnose=False, backtrace=False, enqueue=False,
    )


def add_run_log(path: Path, level: str = "DEBUG", run_id: str | None = None,
                zone: tzinfo | None = None) -> int:
    """Add a run's run.log (owner-only); returns the sink id to remove when the run ends.

    With `run_id`, only that run's records go there (a scheduler process runs many runs, one
    after the other or at once in threads). Exceptions are logged by type and scrubbed text only.
    With `zone` (the settings' timezone), every time is written in it, as the run's id, audit
    chain and report.html give them (tester BJ F9, 2026-12-07: run.log said 14:23+0000 of a run
    the rest of its record says began at 22:23+0800).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
    return logger.add(
        _RunLogFile(path),
        level=level,
        format=_file_format if zone is None else _zoned_file_format(zone),
        diagnose=False,
        backtrace=False,
        enqueue=False,
        filter=(lambda record: record["extra"].get("run_id") == run_id) if run_id else None,
    )


def append_run_log_line(path: Path, run_id: str, text: str, zone: tzinfo | None = None) -> None:
    """One INFO line, scrubbed, appended to a run's run.log (made 0600 if missing) by a process
    that is not the run's, in run.log's own format, its time in `zone` (else the machine's). A
    folder that refuses it loses the line, not the caller's work (the audit chain holds the action)."""
    stamp = _stamp(datetime.now(zone) if zone is not None else datetime.now().astimezone())
    line = f"{stamp} {'INFO': <7} [{run_id}] {os.getpid()} {scrub_text(text)}\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:
        return


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
    return _FILE_FORMAT + _tail(record)


def _zoned_file_format(zone: tzinfo) -> Callable[[Any], str]:
    """run.log's format with the record's time in `zone`."""
    def format_in_zone(record: Any) -> str:
        record["extra"].setdefault("run_id", "-")
        record["extra"]["zoned_time"] = _stamp(record["time"].astimezone(zone))
        return _FILE_FORMAT.replace(_FILE_TIME, "{extra[zoned_time]}") + _tail(record)
    return format_in_zone


def _stamp(moment: datetime) -> str:
    """A time as run.log writes it: 2026-12-07T22:23:49.330+0800."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}{moment:%z}"


def _console_format(record: Any) -> str:
    name = record["level"].name
    return _CONSOLE_FORMAT % LEVEL_WORDS.get(name, name.replace("{", "").replace("}", "")) + _tail(record)


def _tail(record: Any) -> str:
    """The scrubbed exception after the message, its traceback on the lines below (loguru's own
    rendering of the exception, unscrubbed, is never used: these formats are functions)."""
    _scrub_exception(record)  # here too: code that reconfigured loguru dropped the patcher
    extra = record["extra"]
    tail = " | {extra[error]}" if "error" in extra else ""
    if "traceback" in extra:
        tail += "\n{extra[traceback]}"
    return tail + "\n"
