"""The run store seen from a host: a run the shared database holds but this host's runs folder
does not is named as a run store that is not shared (not "no such run"); a PostgreSQL store is
marked with its database and refuses one that is not writable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rpa.errors import ConfigError, UsageError
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import open_run
from rpa.run.run_store import MARKER, check_run_store
from rpa.settings import Settings

RUN = "20261203-083000-account-filing-0a1b2c"


def test_resume_of_a_run_only_the_database_knows_names_the_shared_store(tmp_path: Path) -> None:
    shared_db = f"sqlite:///{tmp_path / 'shared' / 'queue.db'}"  # the database both hosts use
    queue = WorkQueue(shared_db)
    queue.create_schema()
    queue.enqueue("account-filing", RUN, "open|1101000000003341818|2026-11-27|ab12", {"row": 4})
    here = Settings(runs_dir=tmp_path / "host-b-runs", database_url=shared_db,
                    audit_key_file=tmp_path / "keys" / "audit.key")
    with pytest.raises(UsageError) as refused:
        open_run(here, "account-filing", {}, trigger="cli", resume=RUN)
    assert "在数据库中" in refused.value.message and "共享挂载" in refused.value.message
    with pytest.raises(UsageError) as unknown:  # a run nobody knows is still just not there
        open_run(here, "account-filing", {}, trigger="cli", resume="20261203-083000-smoke-ffffff")
    assert "没有运行" in unknown.value.message


@pytest.mark.postgres
def test_a_store_is_marked_with_its_database(tmp_path: Path, postgres_url: str) -> None:
    settings = Settings(runs_dir=tmp_path / "store", database_url=postgres_url,
                        audit_key_file=tmp_path / "keys" / "audit.key")
    check_run_store(settings)
    marker = json.loads((tmp_path / "store" / MARKER).read_text())
    assert marker["path"] == str((tmp_path / "store").resolve()) and len(marker["database"]) == 36
    check_run_store(settings)  # the same database again: accepted
    marker["database"] = "00000000-0000-4000-8000-000000000000"  # another database's store
    (tmp_path / "store" / MARKER).write_text(json.dumps(marker))
    with pytest.raises(ConfigError, match="属于另一个数据库"):
        check_run_store(settings)
    marker = {**marker, "database": _this_database(postgres_url), "path": "/mnt/other"}
    (tmp_path / "store" / MARKER).write_text(json.dumps(marker))
    with pytest.raises(ConfigError, match="同一路径"):
        check_run_store(settings)


def _this_database(url: str) -> str:
    from rpa.run.run_store import database_id

    return database_id(url)


def test_a_resume_runs_with_the_parameters_as_given_not_as_run_json_shows_them(tmp_path: Path) -> None:
    """run.json scrubs long digit runs, so an export named with a date (开户明细20261204.xlsx)
    reads 开户明细****1204.xlsx there. Until 2026-12-04 a resume took its input from run.json
    and stopped with 输入文件不存在 (seen in the console's 复核 test, whose upload was named
    export-92943138.xlsx)."""
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    given = str(tmp_path / "开户明细20261204.xlsx")
    first = open_run(settings, "account-filing", {"flow_params": {"input": given}}, trigger="cli")
    first.write_run_json()
    shown = json.loads((first.folder / "run.json").read_text(encoding="utf-8"))
    assert shown["parameters"]["flow_params"]["input"].endswith("开户明细****1204.xlsx")
    again = open_run(settings, "account-filing", {"flow_params": {}}, trigger="console:li.fh",
                     resume=first.run_id)
    assert again.params["flow_params"]["input"] == given
    assert oct((first.folder / "params.json").stat().st_mode & 0o777) == oct(0o600)
