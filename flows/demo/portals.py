"""The mock portals as a child process (`rpa portals serve`), on free loopback ports."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from rpa.config_files import safe_load
from rpa.errors import ConfigError
from rpa.settings import OperatorCredential

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
AMS_OPERATORS = FIXTURES / "portals" / "ams" / "operators.yaml"
REPORT_OPERATORS = FIXTURES / "portals" / "reports" / "operators.yaml"
STARTUP_SECONDS = 60.0


@dataclass(frozen=True)
class DemoPortals:
    ams_url: str
    reports_url: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def active_operators(path: Path, limit: int) -> list[OperatorCredential]:
    """The mock portal's active operators with valid passwords (test credentials, not secrets)."""
    entries = safe_load(path.read_text(encoding="utf-8"))["operators"]
    usable = [
        OperatorCredential(code=e["code"], password=e["password"])
        for e in entries
        if e.get("status", "active") == "active" and not e.get("password_expired")
    ]
    return usable[:limit]


def _wait_until_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"模拟门户启动即退出（退出码 {proc.returncode}）：请查看演示文件夹中的门户日志")
        try:
            httpx.get(f"{url}/_admin/stats", timeout=2.0)
            return
        except httpx.HTTPError:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.2)  # not up yet: wait on the process, which wakes us if it exits
    raise ConfigError(f"模拟门户 {url} 在 {STARTUP_SECONDS:.0f} 秒内没有应答：请查看演示文件夹中的门户日志")


@contextmanager
def portals_process(seed_file: Path | None, log_file: Path) -> Iterator[DemoPortals]:
    """Start `rpa portals serve` as a child process and stop it afterwards."""
    ams_port, reports_port = free_port(), free_port()
    command = [
        sys.executable,
        "-m",
        "rpa",
        "portals",
        "serve",
        "--ams-port",
        str(ams_port),
        "--reports-port",
        str(reports_port),
        "--check-port",  # the demo runs no registration check: any free port, never a taken one
        "0",
    ]
    if seed_file is not None:
        command += ["--seed", str(seed_file)]
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            portals = DemoPortals(f"http://127.0.0.1:{ams_port}", f"http://127.0.0.1:{reports_port}")
            _wait_until_up(portals.ams_url, proc)
            _wait_until_up(portals.reports_url, proc)
            yield portals
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
