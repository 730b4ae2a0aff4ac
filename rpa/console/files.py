"""Which files of a run folder the console hands out, and the checks on the names asked for.

    folder = run_folder_of(settings, run_id)      # Refused(404) for an unknown or malformed id
    path = run_file(folder, "result.xlsx")        # Refused(400) for `..`, an absolute path, ...

Records (result.xlsx, consolidated*.xlsx) and the run report with its masked screenshots; never
run.log, traces, scratch files or anything outside the run folder.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from rpa.console.web import Refused

if TYPE_CHECKING:
    from rpa.settings import Settings

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_DOWNLOADS = re.compile(r"^(result\.xlsx|consolidated(_[^/]+)?\.xlsx|report\.html|evidence/[^/]+\.png)$")


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id) or ".." in run_id:
        raise Refused(400, f"运行编号 {run_id!r} 的写法不对：请从首页的运行列表打开")
    return run_id


def run_folder_of(settings: Settings, run_id: str) -> Path:
    folder = settings.runs_dir / check_run_id(run_id)
    if not (folder / "run.json").is_file():
        raise Refused(404, f"没有运行 {run_id}：请从首页的运行列表打开，或检查 RPA_RUNS_DIR")
    return folder


def run_file(folder: Path, name: str) -> Path:
    """The file `name` (relative, as `result.xlsx` or `evidence/x.png`) of the run folder."""
    text = name.replace("\\", "/")
    parts = PurePosixPath(text).parts
    if not text or text.startswith("/") or PurePosixPath(text).is_absolute() or re.match(r"^[A-Za-z]:", text):
        raise Refused(400, f"拒绝下载 {name!r}：只能下载运行文件夹中的文件，不接受绝对路径")
    if ".." in parts:
        raise Refused(400, f"拒绝下载 {name!r}：路径中不能有 .. 等上级目录")
    if any(part in ("", ".") for part in text.split("/")):
        raise Refused(400, f"拒绝下载 {name!r}：路径不完整（须是文件名，如 result.xlsx 或 evidence/xxx.png）")
    if not _DOWNLOADS.match(text):
        raise Refused(403, f"{name!r} 不在可下载的文件之列（结果表、汇总表、运行报告及其截图）")
    path = folder / text
    resolved, root = path.resolve(), folder.resolve()
    if root not in resolved.parents:
        raise Refused(400, f"拒绝下载 {name!r}：它指向运行文件夹之外")
    if not resolved.is_file():
        raise Refused(404, f"运行文件夹中没有 {name}：这次运行可能没有生成它")
    return resolved


def downloads(folder: Path) -> list[str]:
    """The record files of the run folder a clerk may download, in a fixed order."""
    names = ["result.xlsx", "consolidated.xlsx", *sorted(p.name for p in folder.glob("consolidated_*.xlsx"))]
    return [name for name in names if (folder / name).is_file()]
