"""Run the real `rpa` command in a subprocess, with its own runs folder and audit key."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from unittest import mock

RPA = [sys.executable, "-m", "rpa"]


@dataclass
class CliEnv:
    runs: Path
    env: dict[str, str]

    def run(
        self, *args: str, timeout: float = 180, check_exit: int | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*RPA, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
        if check_exit is not None:
            assert done.returncode == check_exit, (
                f"rpa {' '.join(args)} exited {done.returncode}\n"
                f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
            )
        return done

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*RPA, *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )


def make_cli_env(tmp_path: Path, **extra: str) -> CliEnv:
    runs = tmp_path / "runs"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
    env.update(
        RPA_RUNS_DIR=str(runs),
        RPA_AUDIT_KEY_FILE=str(tmp_path / "keys" / "audit.key"),  # the ledger copy goes next to it
        RPA_LOG_DIR=str(tmp_path / "logs"),  # the scheduler daemon's log
        RPA_BACKOFF_BASE_SECONDS="0.05",
        RPA_BACKOFF_MAX_SECONDS="0.2",
        RPA_LEASE_SECONDS="10",
        RPA_HEARTBEAT_SECONDS="2",
        RPA_AMS_SERVICE_WINDOW="always",  # the mock AMS has no service hours
        COLUMNS="200",
    )
    env.update(extra)
    return CliEnv(runs=runs, env=env)


def run_id_from(output: str) -> str:
    """The run id of the verdict line `运行 <run id>：...`."""
    for line in output.splitlines():
        if line.startswith("运行 ") and "：" in line:
            return line.split("：", 1)[0].split()[1]
    raise AssertionError(f"no run id in output:\n{output}")


def end_long_ago(cli: CliEnv, run_id: str, when: str = "2026-01-05T17:30:00+08:00") -> None:
    """Record in the world's run ledger, under its audit key, that the run ended at `when`:
    `rpa runs prune` judges a run's age by the ledger's end (run.json's can be edited), and only
    the key's holder can write one. Every other entry keeps its real time."""
    from rpa.audit.log import AuditLog
    from rpa.settings import Settings

    ledger = cli.env.get("RPA_LEDGER_FILE")
    settings = Settings(runs_dir=cli.runs, audit_key_file=Path(cli.env["RPA_AUDIT_KEY_FILE"]),
                        ledger_file=Path(ledger) if ledger else None)
    audit = AuditLog.from_settings(settings)
    then = datetime.fromisoformat(when)

    class Then(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Then:
            return cls.fromisoformat(then.isoformat())

    with mock.patch("rpa.audit.log.datetime", Then):
        audit.ledger_ended(run_id, {})
