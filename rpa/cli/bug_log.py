"""Where a command's bug goes: its traceback, masked, in runs/_errors/<time>-<pid>.log
(owner-only), so the terminal shows one line saying where (`rpa.cli.common.handles_errors`)."""

from __future__ import annotations

import os
from pathlib import Path

BUG_LOG_DIR = "_errors"  # under the runs folder: runs/_errors/<time>-<pid>.log


def write_bug_log(exc: BaseException) -> str:
    """Write the exception's traceback, masked, to runs/_errors/<time>-<pid>.log (owner-only);
    the path, or a note that it could not be written (then the terminal still shows no
    traceback: the command's run.log, if it had a run, has it too)."""
    import traceback
    from datetime import UTC, datetime

    from rpa.masking import scrub_text

    text = scrub_text("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    try:
        folder = _runs_dir() / BUG_LOG_DIR
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path: Path = folder / f"{stamp}-{os.getpid()}.log"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as failure:
        return f"（未能写入错误日志：{failure.strerror or type(failure).__name__}）"
    return str(path)


def _runs_dir() -> Path:
    """The configured runs folder, or `runs` when the settings themselves cannot be read."""
    from pathlib import Path

    from rpa.errors import RpaError
    from rpa.settings import load_settings

    try:
        return load_settings(warn=lambda _message: None).runs_dir
    except (RpaError, ValueError, OSError):
        return Path("runs")
