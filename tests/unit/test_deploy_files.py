"""The offline install's fixed parts: the lock file pins, with hashes, every library pyproject.toml
asks for at run time, for PostgreSQL and for the console, and each systemd unit in deploy/ runs an
`rpa` command that exists, as a stated user, from a stated working directory, with a restart
policy."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

import pytest
import typer.main

from rpa.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "offline.lock"


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9_.\-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _locked() -> dict[str, list[str]]:
    """name -> hashes, from the lock file."""
    locked: dict[str, list[str]] = {}
    current = ""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        pinned = re.match(r"^([A-Za-z0-9_.\-]+)==\S+", line)
        if pinned:
            current = _name(pinned.group(1))
            locked[current] = []
        for digest in re.findall(r"--hash=sha256:([0-9a-f]{64})", line):
            locked[current].append(digest)
    return locked


def test_the_lock_pins_every_run_time_library_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = {_name(r) for r in project["dependencies"] + extras["postgres"] + extras["console"]}
    locked = _locked()
    assert wanted - set(locked) == set(), "regenerate requirements/offline.lock (requirements/README.md)"
    assert all(locked.values()), [n for n, h in locked.items() if not h]
    # the mock portals' libraries are not installed on a robot host
    assert "reportlab" not in locked and "pytest" not in locked


def _units() -> list[Path]:
    return sorted((ROOT / "deploy").glob("*.service"))


def _command_exists(words: list[str]) -> bool:
    group = typer.main.get_command(app)
    for word in words:
        if word.startswith("-"):
            break
        commands = getattr(group, "commands", None)
        if commands is None:
            break
        if word not in commands:
            return False
        group = commands[word]
    return True


@pytest.mark.parametrize("unit", _units(), ids=lambda p: p.name)
def test_each_unit_runs_an_existing_rpa_command_as_a_stated_user(unit: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text(encoding="utf-8"))
    service = parser["Service"]
    assert service["User"] and service["WorkingDirectory"].startswith("/")
    assert "RPA_HOME=" in service["Environment"]
    exec_start = service["ExecStart"].split()
    assert exec_start[0].endswith("/.venv/bin/rpa")
    assert _command_exists(exec_start[1:]), f"{unit.name}: rpa {' '.join(exec_start[1:])} does not exist"
    if service.get("Type", "simple") != "oneshot":
        assert service["Restart"] == "on-failure"
        assert service["RestartPreventExitStatus"] == "2"  # a bad setting waits for a person


@pytest.mark.parametrize("check", ["schedule-check", "alerts-check"])
def test_a_timer_starts_each_check(check: str) -> None:
    timer = (ROOT / "deploy" / f"bank-rpa-{check}.timer").read_text(encoding="utf-8")
    assert f"Unit=bank-rpa-{check}.service" in timer
    assert (ROOT / "deploy" / f"bank-rpa-{check}.service").is_file()
