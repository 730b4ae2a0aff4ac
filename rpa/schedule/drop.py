"""A drop folder: new exports are taken once each, known by their SHA-256, and moved aside.

    drop = DropFolder(db_url, patterns=("*.xlsx",))
    for taken in drop.take_new_files(inbox, inbox / "taken", run_id_for=lambda p: new_run_id(...)):
        ...  # taken.path is inbox/taken/<run_id>-<name>

The hash is recorded in the database (table `drop_files`) before the file moves, so the same
export dropped again, under any name, is moved to `taken/duplicates/` and not processed twice,
even with several schedulers watching one folder.

A file modified less than `settle_seconds` ago, or changed while it was being hashed, may still be
copying: it waits for a later look. A taken file whose run queued none of its rows (refused before
any work: no operators, a bad setting, an unreadable file) is put back (`put_back`): its record
is forgotten and it returns to the drop folder, to be taken again by a later fire.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loguru import logger
from sqlalchemy import Column, MetaData, String, Table, Text, delete, inspect, select
from sqlalchemy.engine import RowMapping

from rpa.db import engine_for, immediate_transaction
from rpa.queue.schema import UtcDateTime, insert_or_ignore, items
from rpa.run.runs import make_private_dir, sha256_file
from rpa.schedule.fires import create_tables

# a take recorded this long ago whose file never moved was cut short (a crash): take it again
_TAKE_IN_FLIGHT = timedelta(seconds=60)

metadata = MetaData()
drop_files = Table(
    "drop_files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("original_name", Text, nullable=False),
    Column("run_id", String(128), nullable=False),
    Column("taken_path", Text, nullable=False),
    Column("taken_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True)
class TakenFile:
    """A file taken from the drop folder for one run."""

    path: Path
    original_name: str
    sha256: str
    run_id: str


class DropFolder:
    """Takes new files from a folder exactly once (by content), across processes."""

    def __init__(
        self,
        db_url: str,
        *,
        patterns: tuple[str, ...] = ("*",),
        settle_seconds: float = 0.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine_for(db_url)
        self.patterns = patterns
        self.settle_seconds = settle_seconds
        self._clock = clock or (lambda: datetime.now(UTC))
        create_tables(self.engine, metadata)

    def candidates(
        self,
        drop_dir: Path,
        *,
        patterns: tuple[str, ...] | None = None,
        settle_seconds: float | None = None,
    ) -> list[Path]:
        """Files waiting in the folder, oldest first; hidden, lock (~$) and still-settling files aside.
        `patterns` and `settle_seconds` default to the folder's own (a job's drop_folder gives its)."""
        if not drop_dir.is_dir():
            return []
        settle = self.settle_seconds if settle_seconds is None else settle_seconds
        cutoff = self._clock().timestamp() - settle
        found = {
            path for pattern in (self.patterns if patterns is None else patterns)
            for path in drop_dir.glob(pattern)
            if path.is_file() and not path.name.startswith((".", "~$"))
        }
        settled = [p for p in found if p.stat().st_mtime <= cutoff]
        return sorted(settled, key=lambda p: (p.stat().st_mtime, p.name))

    def take_new_files(
        self,
        drop_dir: Path,
        taken_dir: Path,
        *,
        run_id_for: Callable[[Path], str],
        limit: int | None = None,
        patterns: tuple[str, ...] | None = None,
        settle_seconds: float | None = None,
        passed_over: Collection[str] = (),
    ) -> list[TakenFile]:
        """Move new files to `taken_dir/<run_id>-<name>` and return them; duplicates go aside.
        Files whose SHA-256 is in `passed_over` (put back earlier in this fire) stay where they are."""
        taken: list[TakenFile] = []
        for source in self.candidates(drop_dir, patterns=patterns, settle_seconds=settle_seconds):
            if limit is not None and len(taken) >= limit:
                break
            try:
                before = _look(source)
                digest = sha256_file(source)
                changed = _look(source) != before
            except FileNotFoundError:
                continue  # another scheduler took it meanwhile
            if digest in passed_over:
                continue
            if changed:
                logger.info(f"投放文件夹：{source.name} 仍在写入，下次再取")
                continue
            result = self._take_one(source, digest, taken_dir, run_id_for)
            if result is not None:
                taken.append(result)
        return taken

    def _take_one(
        self, source: Path, digest: str, taken_dir: Path, run_id_for: Callable[[Path], str]
    ) -> TakenFile | None:
        now = self._clock()
        known = self._known(digest)
        if known is None:
            run_id = run_id_for(source)
            target = taken_dir / f"{run_id}-{source.name}"
            with immediate_transaction(self.engine) as conn:
                inserted = conn.execute(
                    insert_or_ignore(conn.dialect.name, drop_files, "sha256").values(
                        sha256=digest, original_name=source.name, run_id=run_id,
                        taken_path=str(target), taken_at=now,
                    ).returning(drop_files.c.sha256)
                ).first() is not None
            if inserted:
                return self._move(source, target, digest, run_id)
            known = self._known(digest)  # another scheduler recorded it first
            assert known is not None
        earlier = Path(known["taken_path"])
        if earlier.exists():
            duplicates = make_private_dir(taken_dir / "duplicates")
            aside = _free_name(duplicates / f"{known['run_id']}-{source.name}")
            _move_quietly(source, aside)
            unfiled = "" if self.enqueued_any(known["run_id"]) else (
                f"（该运行至今没有报备其中任何一行：若它已被拒绝，请改正原因后用 "
                f"rpa run {_flow_of(known['run_id'])} --resume {known['run_id']} 续跑）"
            )
            logger.warning(
                f"投放文件夹：{source.name} 与运行 {known['run_id']} 取走的文件内容相同；"
                f"已移到 {aside.parent.name}/，不再处理{unfiled}"
            )
            return None
        if now - known["taken_at"] < _TAKE_IN_FLIGHT:
            return None  # another scheduler is moving it right now
        logger.warning(f"投放文件夹：为运行 {known['run_id']} 取走 {source.name} 时被中断，重新取走")
        return self._move(source, earlier, digest, known["run_id"])

    def _known(self, digest: str) -> RowMapping | None:
        with self.engine.connect() as conn:
            return conn.execute(select(drop_files).where(drop_files.c.sha256 == digest)).mappings().first()

    def _move(self, source: Path, target: Path, digest: str, run_id: str) -> TakenFile | None:
        make_private_dir(target.parent)
        if not _move_quietly(source, target):
            return None
        logger.info(f"投放文件夹：已为运行 {run_id} 取走 {source.name}")
        return TakenFile(path=target, original_name=source.name, sha256=digest, run_id=run_id)

    def enqueued_any(self, run_id: str) -> bool:
        """Whether the run queued any row (the queue's items share this database)."""
        if not inspect(self.engine).has_table(items.name):
            return False
        with self.engine.connect() as conn:
            found = conn.execute(select(items.c.id).where(items.c.run_id == run_id).limit(1)).first()
        return found is not None

    def put_back(self, taken: TakenFile, drop_dir: Path) -> Path | None:
        """Return a taken file whose run queued none of its rows to `drop_dir` and forget its take, so
        a later fire takes it again; None (it stays taken) when the run queued a row or it is gone."""
        if self.enqueued_any(taken.run_id):
            return None
        back = _free_name(drop_dir / taken.original_name)
        if not _move_quietly(taken.path, back):
            return None
        with immediate_transaction(self.engine) as conn:
            conn.execute(delete(drop_files).where(
                drop_files.c.sha256 == taken.sha256, drop_files.c.run_id == taken.run_id
            ))
        logger.warning(f"投放文件夹：运行 {taken.run_id} 没有报备 {taken.original_name} 的任何一行，"
                       f"已把它放回 {drop_dir}，下次触发时重新取走")
        return back

    def taken_since(self, since: datetime) -> list[TakenFile]:
        """Every file taken at or after `since`, oldest first, as recorded (its file may be gone)."""
        query = select(drop_files).where(drop_files.c.taken_at >= since).order_by(
            drop_files.c.taken_at, drop_files.c.taken_path
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [TakenFile(Path(r["taken_path"]), r["original_name"], r["sha256"], r["run_id"]) for r in rows]

    def run_for(self, sha256: str) -> str | None:
        """The run a file with this content was taken for, if any."""
        with self.engine.connect() as conn:
            run_id: str | None = conn.execute(
                select(drop_files.c.run_id).where(drop_files.c.sha256 == sha256)
            ).scalar()
        return run_id


def _move_quietly(source: Path, target: Path) -> bool:
    try:
        shutil.move(str(source), str(target))
    except FileNotFoundError:
        return False
    return True


def _flow_of(run_id: str) -> str:
    """The flow a run id names (`<date>-<time>-<flow>-<suffix>`, as `new_run_id` makes it)."""
    parts = run_id.split("-")
    return "-".join(parts[2:-1]) if len(parts) > 3 else "<流程>"


def _look(path: Path) -> tuple[int, int]:
    """What a file looks like now (size, modification time): a change means it is still written."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _free_name(path: Path) -> Path:
    candidate, counter = path, 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.stem}-{counter}{path.suffix}")
    return candidate
