"""CI runs the PostgreSQL tests: `.ci/run` runs the README's `make test` with CI=true, `make test`
installs Debian's postgresql through `scripts/bootstrap.sh --test`, and without PostgreSQL a
PostgreSQL test fails under CI=true but skips on a developer's machine saying how to run it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.plugins import postgres

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_make_test_with_ci_set() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.startswith("#")]
    assert "export CI=true" in commands
    assert commands.index("export CI=true") < commands.index("make test")


def test_make_test_bootstraps_postgresql() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = re.search(r"^test:\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert target is not None and "scripts/bootstrap.sh --test" in target.group(1)
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert re.search(r"WANT_TEST.*packages\+=\(.*\bpostgresql\b", bootstrap)


def test_without_postgresql_ci_fails_and_a_developer_is_told_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI"):
        postgres._unavailable("no initdb/pg_ctl")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"scripts/bootstrap\.sh --test"):
        postgres._unavailable("no initdb/pg_ctl")
