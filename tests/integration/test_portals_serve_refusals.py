"""`rpa portals serve` on a port another process listens on is refused naming the option, exit 2
(tester Y, 2026-12-06: reported as a program error, OSError)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(60)
def test_a_busy_port_is_refused_naming_the_option() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "rpa", "portals", "serve", "--ams-port", "0",
                               "--reports-port", str(port), "--check-port", "0"],
                              cwd=ROOT, capture_output=True, text=True, timeout=50, check=False)
    assert done.returncode == 2, done.stderr
    assert f"--reports-port {port}：127.0.0.1 上这个端口已被占用" in done.stderr
    assert "Traceback" not in done.stderr and "程序错误" not in done.stderr
