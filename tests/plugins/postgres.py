"""A throwaway PostgreSQL cluster for the test session, and `db_url` over both databases.

`postgres_url` runs Debian's `initdb` and `pg_ctl` (as the `postgres` OS user when the tests run
as root: PostgreSQL refuses to run as root) in a temporary folder, listening only on 127.0.0.1
at a free port with its socket in that folder and fsync off. Without PostgreSQL binaries the
PostgreSQL tests are skipped on a developer's machine but fail in CI (`CI=true`), so CI never
passes by skipping them.

`db_url` gives each test a fresh, empty database: an SQLite file in `tmp_path`, or a new
database in the session's cluster (parameter marked `postgres`).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest

from rpa.db import engine_for

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_SECONDS = 30


def _postgres_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL bin folder (or PG_BIN_DIR), None when there is none."""
    candidates = [os.environ["PG_BIN_DIR"]] if os.environ.get("PG_BIN_DIR") else []
    candidates += sorted(glob.glob(PG_BIN_GLOB), key=lambda p: int(Path(p).parent.name), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(
        f"PostgreSQL not available: {reason}. To run the PostgreSQL tests: scripts/bootstrap.sh --test "
        "(installs Debian's postgresql; the tests start their own throwaway cluster), or set PG_BIN_DIR "
        "to a folder holding initdb and pg_ctl"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayCluster:
    """One PostgreSQL cluster in a temporary folder, owned by `postgres` when we are root."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        # not under pytest's tmp_path: that is 0700 root-only and the postgres user must enter it
        self.home = Path(tempfile.mkdtemp(prefix="rpa-pg-"))
        self.data = self.home / "data"
        self.log = self.home / "postgres.log"
        self.port = 0
        if self.as_root:
            shutil.chown(self.home, user="postgres", group="postgres")

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def init(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        for _ in range(3):  # another process may take the free port before the server binds it
            self.port = _free_port()
            started = self._start_on(self.port)
            if started.returncode == 0:
                return
        tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()}\n{tail}")

    def _start_on(self, port: int) -> subprocess.CompletedProcess[str]:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {self.home} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        return self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", str(START_TIMEOUT_SECONDS), "start",
        )  # fmt: skip

    def stop_server(self) -> None:
        """Stop the server as a restart does (fast: every session is ended), data kept."""
        done = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {done.stderr.strip()}")

    def start_again(self) -> None:
        """Start the stopped server on the port it had (the URLs handed out stay good)."""
        started = self._start_on(self.port)
        if started.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()}")

    def admin_connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def create_database(self, name: str) -> str:
        with self.admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def drop_database(self, name: str) -> None:
        with self.admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[ThrowawayCluster]:
    """The session's PostgreSQL cluster (started on first use, stopped and deleted at the end)."""
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        _unavailable(f"no initdb/pg_ctl under {PG_BIN_GLOB} (apt-get install postgresql)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _unavailable("running as root and `runuser` is missing")
    cluster = ThrowawayCluster(bin_dir)
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: ThrowawayCluster) -> str:
    """URL of the database `rpa_test` in the throwaway cluster."""
    return postgres_cluster.create_database("rpa_test")


def _forget_engine(url: str) -> None:
    # engines are cached per URL per process; close this test's pooled connections now
    engine_for(url).dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for this test: SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'queue.db'}"
        yield url
        _forget_engine(url)
        return
    request.getfixturevalue("postgres_url")  # the cluster, and it answers
    cluster: ThrowawayCluster = request.getfixturevalue("postgres_cluster")
    name = f"test_{uuid.uuid4().hex[:16]}"
    url = cluster.create_database(name)
    yield url
    _forget_engine(url)
    cluster.drop_database(name)
