"""`handles_errors`: every exception a command lets out becomes one or two Chinese lines and the
exit code `rpa.errors.outcome_for` gives it; a bug prints where its masked traceback was written
(runs/_errors/...) and exits 1, never a traceback on the terminal."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
import typer
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from rpa.cli.common import handles_errors
from rpa.errors import (
    BatchWindow,
    CircuitOpen,
    ConfigError,
    InputFileError,
    LoginRefused,
    NeedsPerson,
    PortalRefusal,
    PortalTimeout,
)

ACCOUNT = "110012345678"  # an account number as AMS shows them: never on screen or in a log whole


def _app(error: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @handles_errors
    def fails() -> None:
        raise error

    @app.command()
    @handles_errors
    def exits() -> None:
        raise typer.Exit(4)  # a command's own exit code goes through untouched

    return app


CASES = [
    # (exception, exit code, words on stderr)
    (InputFileError("读不出 accounts.xlsx：不是 Excel 文件"), 2, "读不出 accounts.xlsx"),
    (ConfigError("选择器配置有误，运行未开始"), 2, "选择器配置有误"),
    (LoginRefused("AMS 拒绝了操作员 ****01 的登录"), 3, "拒绝了操作员"),
    (CircuitOpen("连续 8 项出现系统错误，运行已停止"), 3, "连续 8 项"),
    (PortalRefusal(f"账户 {ACCOUNT} 备案失败", portal_message="基本存款账户不存在"), 1, "基本存款账户不存在"),
    (NeedsPerson("信息核对页与输入行不同"), 1, "信息核对页"),
    (PortalTimeout("AMS 没有及时应答"), 1, "没有及时应答"),
    (BatchWindow("AMS 正在批处理"), 1, "正在批处理"),
    (OSError(errno.ENOSPC, "No space left on device", "/data/runs/x/run.json"), 3, "磁盘空间不足"),
    (OperationalError("SELECT 1", {}, Exception("connection refused")), 2, "RPA_DATABASE_URL"),
]


@pytest.mark.parametrize(("error", "code", "words"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_each_error_of_the_tree_is_its_exit_code_and_a_chinese_line(
    isolated_settings: Path, error: BaseException, code: int, words: str
) -> None:
    result = CliRunner().invoke(_app(error), ["fails"])

    assert result.exit_code == code, result.output
    assert words in result.stderr and result.stderr.startswith("错误：")
    assert "Traceback" not in result.output and ACCOUNT not in result.output
    assert not (isolated_settings / "_errors").exists()  # no bug: nothing written


def test_a_bug_prints_one_line_naming_its_masked_traceback_file_and_exits_1(isolated_settings: Path) -> None:
    result = CliRunner().invoke(_app(KeyError(f"record {ACCOUNT}")), ["fails"])

    assert result.exit_code == 1
    assert "Traceback" not in result.output and ACCOUNT not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：程序错误（KeyError）")
    (written,) = (isolated_settings / "_errors").iterdir()
    assert str(written) in lines[0]
    text = written.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError" in text and "in fails" in text  # where it was raised
    assert ACCOUNT not in text and "5678" in text  # masked: the tail kept to tell rows apart
    assert written.stat().st_mode & 0o077 == 0


def test_a_commands_own_exit_goes_through(isolated_settings: Path) -> None:
    result = CliRunner().invoke(_app(KeyError("unused")), ["exits"])
    assert result.exit_code == 4 and result.output == ""


@pytest.mark.timeout(120)
def test_a_reader_that_leaves_early_is_not_a_bug(tmp_path: Path) -> None:
    """`rpa validate ... --json | head -c 10`: the pipe closes while the command still writes."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "RPA_RUNS_DIR": str(tmp_path / "runs"),
           "RPA_AUDIT_KEY_FILE": str(tmp_path / "keys" / "audit.key")}
    command = [sys.executable, "-m", "rpa", "validate", "account-filing",
               str(root / "fixtures" / "inputs" / "accounts.xlsx"), "--json"]
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read: the first write fails
    try:
        done = subprocess.run(command, cwd=root, stdout=writer, stderr=subprocess.PIPE, text=True,
                              env=env, timeout=60, check=False)
    finally:
        os.close(writer)
    assert done.returncode == 1
    assert done.stderr.strip() == "错误：输出已被读取方提前关闭（如 | head），命令的输出不完整"
    assert not (tmp_path / "runs" / "_errors").exists()


@pytest.mark.parametrize(("text", "read"), [
    ("2026-12-03", "2026-12-03"), (" 2026-12-03 ", "2026-12-03"),
    ("20261203", "2026-12-03"),  # ISO's basic form: read, and passed on as 2026-12-03 (tester T's U6)
    ("2026-W49-4", None),  # ISO's week date, which date.fromisoformat reads as 2026-12-03
    ("2026/12/03", None), ("2026-12-3", None), ("2026年12月3日", None), ("2026-13-01", None),
])  # fmt: skip
def test_a_date_option_reads_a_calendar_date_only(text: str, read: str | None) -> None:
    from rpa.cli.common import date_option
    from rpa.errors import UsageError

    if read is None:
        with pytest.raises(UsageError, match="--date 的值不是日期：请写成 YYYY-MM-DD"):
            date_option("--date", text)
    else:
        assert date_option("--date", text).isoformat() == read
