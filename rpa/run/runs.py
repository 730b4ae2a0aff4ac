"""Run folders, run ids, run.json and the run context passed explicitly through a run.

runs/<run_id>/            0700, owner only
    run.json              flow, trigger and start (the first: how the run began), each resume's
                          trigger and start (`resumes`), parameters (no secrets), versions,
                          hashes, counts, exit code
    run.log               loguru, scrubbed
    evidence/             screenshots (masked), 0700
    traces/               Playwright traces kept on failure only, 0700
    result.xlsx ...       the flow's records
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rpa import __version__
from rpa.atomic import atomic_write
from rpa.audit.evidence import file_sha256 as sha256_file
from rpa.errors import BrowserMissing, UsageError
from rpa.logs import append_run_log_line
from rpa.masking import item_ref, scrub_text
from rpa.run.inputs import check_input

if TYPE_CHECKING:
    from loguru import Logger

    from rpa.audit.log import AuditLog
    from rpa.queue.work_queue import WorkQueue
    from rpa.settings import Settings

RUN_JSON = "run.json"
# the parameters as given, unscrubbed, owner-only: what a resume runs with. run.json shows them
# scrubbed, and an input named 开户明细20261204.xlsx there reads 开户明细****1204.xlsx
RUN_PARAMS = "params.json"


@dataclass(frozen=True)
class RunOutcome:
    """What a finished (or stopped) run reports to its caller: the CLI or the scheduler."""

    run_id: str
    exit_code: int
    folder: Path
    counts: dict[str, int] = field(default_factory=dict)
    stop_reason: str | None = None


# a run id as `new_run_id` makes it, within a text
RUN_ID_IN_TEXT = re.compile(r"\b\d{8}-\d{6}-[a-z][a-z-]*-[0-9a-f]{6}\b")


def new_run_id(flow: str, now: datetime) -> str:
    """Sortable and readable: time, flow, a short random part."""
    return f"{now:%Y%m%d-%H%M%S}-{flow}-{secrets.token_hex(3)}"


def make_private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def write_private_text(path: Path, text: str) -> Path:
    """Write a file readable by its owner only (records and run metadata), whole or not at all."""
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def code_version() -> str:
    """The package version plus the git commit when run from a checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


def tool_versions(settings: Settings) -> dict[str, str]:
    versions: dict[str, str] = {}
    from importlib.metadata import PackageNotFoundError, version

    try:
        versions["playwright"] = version("playwright")
    except PackageNotFoundError:
        versions["playwright"] = "unknown"
    try:
        out = subprocess.run(
            [str(settings.chromium_executable()), "--version"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        versions["chromium"] = out or "unknown"
    except (BrowserMissing, OSError, subprocess.SubprocessError):
        versions["chromium"] = "not found"
    return versions


@dataclass
class RunContext:
    """Everything one run needs, passed explicitly: no module globals."""

    run_id: str
    flow: str
    folder: Path
    settings: Settings
    queue: WorkQueue
    audit: AuditLog
    log: Logger
    trigger: str
    params: dict[str, Any]
    started_at: datetime
    inputs: dict[str, str] = field(default_factory=dict)
    resumed: bool = False
    first_inputs: dict[str, str] = field(default_factory=dict)  # run.json's inputs before a resume
    shaping_files: dict[str, str] = field(default_factory=dict)
    worker_secrets: dict[str, str] = field(default_factory=dict)  # passed to workers, never written
    notices: list[str] = field(default_factory=list)  # for run.log once it is open (the safeguards kept)

    @property
    def evidence_dir(self) -> Path:
        return make_private_dir(self.folder / "evidence")

    @property
    def trace_dir(self) -> Path:
        return make_private_dir(self.folder / "traces")

    def record(self, event: str, *, item_key: str | None = None, **details: Any) -> None:
        """Append an audit event for this run, actor 'run'."""
        self.audit.append(self.run_id, "run", event, item_key=item_key, details=details)

    def item_ref(self, key: str) -> str:
        """An item's keyed hash: what its evidence files are named by (never an account)."""
        return item_ref(key, self.settings.audit_key_bytes())

    def add_input(self, path: Path) -> None:
        """An input file the run reads: recorded at its start, the same at a resume (`inputs`)."""
        digest = sha256_file(path)
        check_input(self, path, digest)
        self.inputs[str(path)] = digest

    def add_shaping_file(self, path: Path) -> None:
        if path.is_file():  # a folder in its place is its loader's to refuse (exit 2), not a bug here
            self.shaping_files[str(path)] = sha256_file(path)

    def write_run_json(self, **extra: Any) -> Path:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "flow": self.flow,
            "trigger": self.trigger,
            "parameters": json.loads(scrub_text(json.dumps(self.params, ensure_ascii=False, default=str))),
            "code_version": code_version(),
            "versions": tool_versions(self.settings),
            "inputs_sha256": self.inputs,
            "shaping_files_sha256": self.shaping_files,
            "settings_sha256": hashlib.sha256(
                json.dumps(self.settings.public_dump(), sort_keys=True, default=str).encode()
            ).hexdigest(),
            "started_at": self.started_at.isoformat(),
            "resumes": [],
            "owner": process_owner(self.settings.host_id),
        }
        previous = read_run_json(self.folder)
        # trigger and started_at say how and when the run began: a resume is added to `resumes`
        kept = ("trigger", "started_at", "resumes", "ended_at", "exit_code", "counts", "awaiting_approval",
                "ended_as", "checks", "aside", "elsewhere")  # aside: a refused resume lost it (2026-12-08)
        for key in kept:  # checks: the flow's, at finish
            if key in previous and key not in extra:
                data[key] = previous[key]
        data.update(extra)
        write_private_text(self.folder / RUN_PARAMS, json.dumps(self.params, ensure_ascii=False, default=str))
        return write_private_text(self.folder / RUN_JSON, json.dumps(data, ensure_ascii=False, indent=2))


def resumes_of(run: Mapping[str, Any]) -> list[dict[str, str]]:
    """run.json's resumes, each `{"trigger": ..., "started_at": ..., "refused": ...}` (the
    refusal's words when that resume was refused and changed nothing, else ""); a run recorded
    before resumes named their trigger lists start times alone (its trigger reads "")."""
    listed = run.get("resumes")
    entries = listed if isinstance(listed, list) else []
    return [{"trigger": str(e.get("trigger") or ""), "started_at": str(e.get("started_at") or ""),
             "refused": str(e.get("refused") or "")} if isinstance(e, Mapping)
            else {"trigger": "", "started_at": str(e), "refused": ""} for e in entries]


def read_run_params(folder: Path) -> dict[str, Any] | None:
    """The run's parameters as given (`RUN_PARAMS`); None for a run made before they were kept."""
    path = folder / RUN_PARAMS
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def read_run_json(folder: Path) -> dict[str, Any]:
    path = folder / RUN_JSON
    if not path.exists():
        return {}
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def now_in(settings: Settings) -> datetime:
    return datetime.now(ZoneInfo(settings.timezone))


def tell_run_log(settings: Settings, run_id: str, rows: Sequence[int], text: str) -> None:
    """A person's action on sheet `rows` of the run as a line of its run.log (第 3、5 行<text>),
    for a clerk reading it; the audit chain holds the action itself."""
    if rows:
        append_run_log_line(settings.runs_dir / run_id / "run.log", run_id,
                            f"第 {'、'.join(str(row) for row in rows)} 行{text}", ZoneInfo(settings.timezone))


def run_folder(settings: Settings, run_id: str) -> Path:
    """The run's folder under the runs folder; a UsageError for an id that is a path (the run
    folder as the terminal printed it would be another run id writing into that folder) or
    names no run."""
    if "/" in run_id or "\\" in run_id or run_id in ("", ".", ".."):
        named = Path(run_id).name
        instead = f"：请改用 {named}" if named not in ("", ".", "..") else ""
        raise UsageError(f"“{run_id}”是路径，不是运行编号：续跑、查看和处理运行都用运行文件夹的名字{instead}")
    folder = settings.runs_dir / run_id
    if not (folder / RUN_JSON).exists():
        raise UsageError(
            f"{settings.runs_dir} 下没有运行 {run_id}：请用 rpa runs list 查看运行编号，或检查 RPA_RUNS_DIR"
        )
    return folder


def process_owner(host: str | None = None) -> dict[str, Any]:
    """This process as run.json records it: host (RPA_HOST_ID, default the host name), pid and
    start time (a pid alone is reused)."""
    from rpa.run.processes import start_time

    return {"host": host or socket.gethostname(), "pid": os.getpid(), "started": start_time(os.getpid())}


def run_state(run: Mapping[str, Any], recorded_exit: int | None = None, host: str | None = None) -> str:
    """A run's exit code (from run.json, else `recorded_exit` from the audit chain when the run
    folder refused it); or, without one, "running" only while the process that writes its
    run.json still runs ("interrupted": nothing works on it, resume it); "waiting" for a run only
    enqueued (`--enqueue-only`), whose items `rpa worker` works ("nothing_queued": none). A run
    whose outputs or last steps failed (`finish_failed`) says so beside its exit code."""
    if run.get("exit_code") is not None:
        return f"{run['exit_code']}（收尾失败）" if run.get("finish_failed") else str(run["exit_code"])
    if recorded_exit is not None:
        return str(recorded_exit)
    if "waiting_for_workers" in run:  # `--enqueue-only`: its items wait for `rpa worker`, if any
        return "waiting" if run["waiting_for_workers"] else "nothing_queued"
    owner = run.get("owner")
    if not isinstance(owner, Mapping) or not isinstance(owner.get("pid"), int):
        return "interrupted"
    if owner.get("host") != (host or socket.gethostname()):  # another host's process: not ours to look at
        return f"running? ({owner.get('host')})"
    from rpa.run.processes import is_running

    return "running" if is_running(owner["pid"], owner.get("started")) else "interrupted"


DEMO_PREFIX = "demo-"


def demo_folders(runs_dir: Path) -> list[Path]:
    """The folders `rpa demo` made under `runs_dir` (each its own runs and queue), newest first."""
    if not runs_dir.is_dir():
        return []
    found = [p for p in runs_dir.iterdir() if p.is_dir() and p.name.startswith(DEMO_PREFIX)]
    return sorted(found, key=lambda p: p.name, reverse=True)


def list_runs(settings: Settings) -> list[dict[str, Any]]:
    """Every run folder's run.json, newest first."""
    if not settings.runs_dir.exists():
        return []
    runs = [read_run_json(p) for p in settings.runs_dir.iterdir() if (p / RUN_JSON).exists()]
    return sorted(runs, key=lambda r: r.get("started_at", ""), reverse=True)
