"""`rpa --help` imports the CLI and nothing heavy: the engine, Playwright, SQLAlchemy, openpyxl,
pdfplumber and APScheduler are imported by the command that needs them, when it runs.

Not a timing test (benchmarks/cli_help.py measures the time): it lists the modules a fresh
process holds after printing the help.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "playwright", "sqlalchemy", "openpyxl", "pdfplumber", "pdfminer", "apscheduler", "jinja2",
    "rich", "yaml", "bots", "flows", "fixtures",
)
# the engine's packages and base modules (built from names: these packages' dotted names are also
# the old module names the package move rewrites)
ENGINE = tuple(f"rpa.{name}" for name in ("run", "queue", "audit", "browser", "schedule", "settings", "db"))

PROGRAM = """
import json, sys
from rpa.cli.main import app
try:
    app(sys.argv[1:], prog_name="rpa")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _modules_after(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stdout + done.stderr
    assert "Usage:" in done.stdout
    modules: list[str] = report["modules"]
    return modules


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("runs", "--help"), ("schedule", "--help")])
def test_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    modules = _modules_after(*args)
    assert "typer" in modules and "rpa.cli.main" in modules  # the listing is real
    heavy = [m for m in modules if m.split(".")[0] in HEAVY]
    engine = [m for m in modules if any(m == e or m.startswith(e + ".") for e in ENGINE)]
    assert not heavy, heavy
    assert not engine, engine
