"""The offline install, end to end: `scripts/make-offline-bundle.sh --no-debs` builds a bundle
(the Debian packages are already on this machine), `scripts/install-offline.sh --skip-debs`
installs it into a fresh folder with every package index out of reach, and the installed `rpa`
prints its help and runs the smoke flow in real Chromium. A bundle whose files do not match their
checksums is refused with exit 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# anything that tries the network gets a refused connection on a closed local port
NO_NETWORK = {
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
}


def _clean_env() -> dict[str, str]:
    """The environment without the test run's RPA_ settings and virtualenv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_") and k != "VIRTUAL_ENV"}
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p)
    return env


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "bank-rpa-offline.tar.gz"
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "make-offline-bundle.sh"), "--no-debs", str(out)],
        env=_clean_env(), capture_output=True, text=True, timeout=400,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_the_bundle_holds_the_locked_wheels_the_project_and_its_configuration(bundle: Path) -> None:
    with tarfile.open(bundle) as tar:
        names = set(tar.getnames())
    top = "bank-rpa-offline"
    assert f"{top}/install-offline.sh" in names
    assert f"{top}/requirements/offline.lock" in names
    assert f"{top}/SHA256SUMS" in names
    assert f"{top}/home/selectors/ams.yaml" in names
    assert f"{top}/home/schedules.yaml" in names
    assert any(n.startswith(f"{top}/deploy/") and n.endswith(".service") for n in names)
    wheels = {Path(n).name.split("-")[0].lower() for n in names if n.endswith(".whl")}
    # the project, and libraries it imports at run time, chosen by hand from pyproject.toml
    assert {"bank_rpa", "playwright", "openpyxl", "sqlalchemy", "typer", "psycopg"} <= wheels
    assert "fastapi" in wheels and "argon2_cffi" in wheels  # the console
    assert "reportlab" not in wheels and "pypdfium2" in wheels  # the mock portals' own libraries stay out


def test_installed_without_network_rpa_runs_the_smoke_flow(bundle: Path, tmp_path: Path) -> None:
    target = tmp_path / "bank-rpa"
    env = _clean_env() | NO_NETWORK
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "install-offline.sh"), "--skip-debs", str(bundle), str(target)],
        env=env, capture_output=True, text=True, timeout=400,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rpa = target / "bin" / "rpa"
    helped = subprocess.run([str(rpa), "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert "schedule" in helped.stdout and "run" in helped.stdout
    work = tmp_path / "work"
    work.mkdir()
    smoke = subprocess.run(
        [str(rpa), "run", "smoke", "--items", "3"], cwd=work, env=env,
        capture_output=True, text=True, timeout=240,
    )
    assert smoke.returncode == 0, smoke.stdout[-2000:] + smoke.stderr[-2000:]
    reports = list((work / "runs").glob("*-smoke-*/report.html"))
    assert len(reports) == 1
    # the installed configuration is the one read (RPA_HOME=target), not this checkout's
    assert (target / "selectors" / "ams.yaml").is_file()
    freeze = subprocess.run([str(target / ".venv" / "bin" / "pip"), "list", "--format=freeze"],
                            env=env, capture_output=True, text=True, timeout=60).stdout.lower()
    assert "bank-rpa==" in freeze and "reportlab" not in freeze


def test_a_bundle_that_does_not_match_its_checksums_is_refused(bundle: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "unpacked"
    with tarfile.open(bundle) as tar:
        tar.extractall(unpacked, filter="data")
    lock = unpacked / "bank-rpa-offline" / "requirements" / "offline.lock"
    lock.write_text(lock.read_text(encoding="utf-8") + "\nevil==1.0\n", encoding="utf-8")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz", compresslevel=1) as tar:
        tar.add(unpacked / "bank-rpa-offline", arcname="bank-rpa-offline")
    shutil.rmtree(unpacked)
    target = tmp_path / "target"
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "install-offline.sh"), "--skip-debs", str(tampered), str(target)],
        env=_clean_env() | NO_NETWORK, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "校验失败" in done.stderr
    assert not (target / ".venv").exists()
