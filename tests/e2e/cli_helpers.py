"""Run the real `rpa` command in a subprocess, with its own runs folder and audit key."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
