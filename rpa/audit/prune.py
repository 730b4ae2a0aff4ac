"""`rpa runs prune --older-than 180d`: remove old run folders, the ledger keeping them verifiable.

Only ended runs (run.json has `ended_at`) whose last recorded moment is older than the limit
are removed. That moment is keyed, so an `ended_at` edited in run.json moves nothing: the run
ledger's last end entry for it (from the longer of the database's ledger and its append-only
copy, the copy only when it verifies under the key: a database restored from an older backup),
else the last event of the run's own chain (a run that crashed or lost its database writes no
end entry). Only a run neither knows (one from before the ledger, its chain gone) is judged by
run.json. A resume in progress or killed has items not ended, and is kept as below. None a
person still has to finish (rows waiting for a checker or in 异常处理, items not ended) is
removed either. Each removal is first recorded in the run ledger (`run.pruned`), so
`rpa audit verify --all` reports the run as 已清理 and still checks its chain in the database
against the ledger's final head. Nothing is pruned unless asked: there is no default age.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from pathlib import Path

from rpa.audit.export import read_export
from rpa.audit.ledger import LEDGER, known_runs
from rpa.audit.log import AuditLog
from rpa.errors import UsageError

RUN_JSON = "run.json"
_AGE = re.compile(r"(\d{1,5})d")
# a run's last keyed moment (ISO time), or None when neither the ledger nor its chain knows it
KeyedEnd = Callable[[str], str | None]


def parse_age(text: str) -> timedelta:
    """`180d` as a timedelta; anything else is a usage error naming the option."""
    match = _AGE.fullmatch(text.strip())
    if match is None and re.fullmatch(r"\d+d", text.strip()):  # not echoed: scrubbed as an account
        digits = len(text.strip()) - 1
        raise UsageError(f"--older-than 的天数过大（{digits} 位数）：应为 1 至 99999 天，例如 180d")
    if match is None or int(match.group(1)) < 1:
        raise UsageError(f"--older-than 应写作天数加 d，例如 180d（收到 {text!r}）")
    return timedelta(days=int(match.group(1)))


def keyed_ends(audit: AuditLog) -> KeyedEnd:
    """A run's last keyed moment, for `prunable` (see the module docstring)."""
    copy, copied = audit.ledger_file, []
    if copy is not None and copy.is_file() and audit.verify_export(copy, against_database=False).ok:
        copied = read_export(copy)[0]  # a copy that does not verify under the key is not believed
    runs = known_runs(audit.events(LEDGER), copied)

    def last(run_id: str) -> str | None:
        known = runs.get(run_id)
        if known is not None and known.ended_at is not None:
            return known.ended_at
        events = audit.events(run_id)  # no end entry: a run that crashed or lost its database
        return events[-1].time if events else None

    return last


def prunable(
    runs_dir: Path, older_than: timedelta, now: datetime, keyed: KeyedEnd | None = None
) -> list[Path]:
    """Ended run folders whose end lies before `now - older_than`, oldest first; with `keyed`,
    judged by the run's last keyed moment where there is one (see the module docstring)."""
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
            if isinstance(ended_text, str) and keyed is not None:
                ended_text = keyed(folder.name) or ended_text
            ended = datetime.fromisoformat(ended_text) if isinstance(ended_text, str) else None
        except ValueError:
            raise UsageError(f"{path} 无法读取（不是 JSON 或时间格式不对），未清理任何运行") from None
        if ended is not None and ended.tzinfo is not None and ended < cutoff:
            found.append((ended, folder))
    return [folder for _, folder in sorted(found)]


def prune_runs(audit: AuditLog, runs_dir: Path, older_than: timedelta, now: datetime,
               keep: Collection[str] = (), keyed: KeyedEnd | None = None) -> list[str]:
    """Record each old run's prune in the ledger, then remove its folder; returns the run ids.
    `keep`: runs a person still has to finish (`rpa.casework.waiting`), never removed; `keyed`:
    `keyed_ends(audit)` when the caller has it already."""
    pruned: list[str] = []
    for folder in prunable(runs_dir, older_than, now, keyed or keyed_ends(audit)):
        if folder.name in keep:
            continue
        audit.ledger_pruned(folder.name, older_than.days)
        shutil.rmtree(folder)
        pruned.append(folder.name)
    return pruned
