"""`rpa runs prune --older-than 180d`: remove old run folders, the ledger keeping them verifiable.

Only ended runs whose end is older than the limit are removed: the end the run ledger recorded
(keyed, so an `ended_at` edited in run.json moves nothing), or run.json's `ended_at` for a run
the ledger does not know (one from before the ledger); a run the ledger saw start and not end
is not ended. None a person still has to finish (rows waiting for a checker or in 异常处理,
items not ended) is removed either. Each removal is first recorded in the run ledger
(`run.pruned`), so `rpa audit verify --all` reports the run as 已清理 and still checks its chain
in the database against the ledger's final head.
Nothing is pruned unless asked: there is no default age.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from rpa.audit.ledger import LEDGER, LedgerRun, runs_in
from rpa.audit.log import AuditLog
from rpa.errors import UsageError

RUN_JSON = "run.json"
_AGE = re.compile(r"(\d{1,5})d")


def parse_age(text: str) -> timedelta:
    """`180d` as a timedelta; anything else is a usage error naming the option."""
    match = _AGE.fullmatch(text.strip())
    if match is None or int(match.group(1)) < 1:
        raise UsageError(f"--older-than 应写作天数加 d，例如 180d（收到 {text!r}）")
    return timedelta(days=int(match.group(1)))


def ledger_runs(audit: AuditLog) -> dict[str, LedgerRun]:
    """The runs the ledger in the database knows, for `prunable`."""
    return runs_in(audit.events(LEDGER))


def prunable(
    runs_dir: Path, older_than: timedelta, now: datetime, ledger: Mapping[str, LedgerRun] | None = None
) -> list[Path]:
    """Ended run folders whose end lies before `now - older_than`, oldest first; with the
    `ledger`, a run it knows is judged by the end it recorded (see the module docstring)."""
    cutoff = now - older_than
    found: list[tuple[datetime, Path]] = []
    if not runs_dir.is_dir():
        return []
    for folder in runs_dir.iterdir():
        path = folder / RUN_JSON
        if not path.is_file():
            continue
        try:
            ended_text = json.loads(path.read_text(encoding="utf-8")).get("ended_at")
            known = (ledger or {}).get(folder.name)
            if known is not None:
                ended_text = known.ended_at  # None: the ledger saw it start and never end
            ended = datetime.fromisoformat(ended_text) if isinstance(ended_text, str) else None
        except ValueError:
            raise UsageError(f"{path} 无法读取（不是 JSON 或时间格式不对），未清理任何运行") from None
        if ended is not None and ended.tzinfo is not None and ended < cutoff:
            found.append((ended, folder))
    return [folder for _, folder in sorted(found)]


def prune_runs(audit: AuditLog, runs_dir: Path, older_than: timedelta, now: datetime,
               keep: Collection[str] = ()) -> list[str]:
    """Record each old run's prune in the ledger, then remove its folder; returns the run ids.
    `keep`: runs a person still has to finish (`rpa.casework.waiting`), never removed."""
    pruned: list[str] = []
    for folder in prunable(runs_dir, older_than, now, ledger_runs(audit)):
        if folder.name in keep:
            continue
        audit.ledger_pruned(folder.name)
        shutil.rmtree(folder)
        pruned.append(folder.name)
    return pruned
