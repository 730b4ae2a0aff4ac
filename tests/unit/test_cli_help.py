"""Every `rpa` command and command group has a Chinese summary line in its --help."""

from __future__ import annotations

import re

import typer.main
from typer.testing import CliRunner

from rpa.cli.main import app

CJK = re.compile(r"[\u4e00-\u9fff]")


def _paths(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found += _paths(sub, (*path, name))
    return found


def test_every_command_help_starts_with_a_chinese_summary() -> None:
    paths = _paths(typer.main.get_command(app))
    assert len(paths) > 20  # the walk found the nested commands, not just the top
    runner = CliRunner()
    missing = []
    for path in paths:
        done = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert done.exit_code == 0, (path, done.output)
        # the summary: the first text line after "Usage: ..."
        lines = [line.strip(" │╭╮╰╯─") for line in done.output.splitlines()]
        text = [line for line in lines if line and not line.startswith("Usage:")]
        if not text or not CJK.search(text[0]):
            missing.append(" ".join(("rpa", *path)))
    assert not missing, missing
