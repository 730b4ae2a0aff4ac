"""`pip install .` without extras runs the bots and the engine: no module of rpa/, bots/ or flows/
needs the mock portals' and fixtures' libraries ([portals]) or psycopg ([postgres]) to import,
and the whole `rpa` command tree builds and prints its help.

A fresh process refuses those libraries with a meta-path finder, imports every module of the
three packages, then builds the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# the libraries of the [portals] and [postgres] extras, by import name; click comes with uvicorn
# only (typer carries its own)
EXTRAS = ("click", "fastapi", "uvicorn", "starlette", "multipart", "python_multipart", "reportlab",
          "pypdfium2", "psycopg", "psycopg_binary")

PROGRAM = """
import importlib, importlib.abc, json, pkgutil, sys

BLOCKED = set(sys.argv[1].split(","))


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{name} is blocked (an extra)", name=name)
        return None


sys.meta_path.insert(0, Refuse())
imported, refused = [], {}
for top in ("rpa", "bots", "flows"):
    package = importlib.import_module(top)
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except ImportError as exc:
            refused[info.name] = str(exc)
try:
    importlib.import_module("fixtures.portals.serve")
    control = "imported"
except ImportError as exc:
    control = str(exc)

import typer.main
from rpa.cli.main import app
commands = sorted(typer.main.get_command(app).commands)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
print(json.dumps({"imported": imported, "refused": refused, "control": control,
                  "commands": commands, "leaked": leaked}))
"""


@pytest.mark.timeout(180)
def test_rpa_bots_and_flows_import_without_the_extras() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, ",".join(EXTRAS)],
        capture_output=True, text=True, timeout=170, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # the blocker works: the mock portals' server cannot be imported in this process
    assert "blocked" in report["control"], report["control"]
    assert report["refused"] == {}
    assert report["leaked"] == []
    imported = set(report["imported"])
    assert len(imported) > 100
    for module in ("rpa.run.worker", "rpa.queue.work_queue", "bots.ams.bot", "flows.account_filing.filing",
                   "flows.demo.run", "rpa.cli.ops_commands"):
        assert module in imported
    assert {"run", "runs", "audit", "portals", "demo", "validate"} <= set(report["commands"])


SERVE = """
import importlib.abc, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("fastapi", "uvicorn", "starlette"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Refuse())
from rpa.cli.main import app
app(["portals", "serve", "--ams-port", "0", "--reports-port", "0"], prog_name="rpa")
"""


@pytest.mark.timeout(60)
def test_portals_serve_without_the_extra_says_what_to_install() -> None:
    done = subprocess.run([sys.executable, "-c", SERVE], capture_output=True, text=True, timeout=50, cwd=ROOT)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "[portals]" in done.stderr and "pip install" in done.stderr, done.stderr
