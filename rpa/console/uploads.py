"""An uploaded export, checked by its content and stored under its run's folder with a generated
name, with `upload.json` saying who uploaded what (no run.json yet: the run starts later).

    upload = store_upload(settings, chunks, original="导出.xlsx", user="wang.jb")
    upload.path            # runs/<run id>/export-3f9a1c2e.xlsx

A file larger than RPA_CONSOLE_UPLOAD_MAX_MB, or one that is neither an xlsx workbook (a zip
holding xl/workbook.xml) nor CSV text (no NUL bytes, UTF-8 or GB18030), is refused naming what
it is and what to do; nothing of it is kept.

Starting an upload's run is claimed once: `claim_start` creates the folder's `console-start.json`
with O_EXCL, which only one request (thread or console process) can do, so a double click on
开始运行 starts one run; the later request finds it claimed (`start_claimed`) and shows that run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flows.account_filing.reader import CSV_SUFFIXES, XLSX_SUFFIXES
from rpa.audit.input_checks import UPLOAD_JSON
from rpa.console.web import Refused
from rpa.errors import InputFileError
from rpa.input_files import check_input_path, check_xlsx
from rpa.masking import scrub_text
from rpa.run.runs import make_private_dir, new_run_id, now_in, sha256_file

if TYPE_CHECKING:
    from rpa.settings import Settings

START_CLAIM = "console-start.json"
FLOW = "account-filing"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class Upload:
    run_id: str
    path: Path
    original: str
    user: str
    uploaded_at: str


def _kind(path: Path, original: str) -> str:
    """"xlsx" or "csv" by what the file holds and the clerk's name of it (`original`), as the
    command line reads a file: Refused(400) saying what it is otherwise (tester AI: a text or
    PDF file named .xlsx was stored as CSV and refused as having no header)."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    suffix = Path(original).suffix.lower()
    if not head:
        raise Refused(400, "上传的文件是空的：请从核心系统重新导出")
    if head.startswith(b"%PDF-"):
        raise Refused(400, "上传的文件是 PDF，不是导出的账户清单：请上传核心系统导出的 .xlsx 或 .csv")
    if head.startswith(_OLE):
        raise Refused(400, "上传的文件是旧版 .xls（或已加密）：请在 Excel 中另存为 .xlsx 后上传")
    if suffix not in XLSX_SUFFIXES | CSV_SUFFIXES:  # .zip, no extension: as the command line refuses them
        raise Refused(400, f"上传的文件名是 {suffix or '（无扩展名）'}：只支持 .xlsx 和 .csv 文件，"
                           "请上传核心系统导出的账户清单")
    if not head.startswith(_ZIP) and suffix in XLSX_SUFFIXES:
        raise Refused(400, f"上传的文件名是 {suffix}，内容却不是 Excel 工作簿：请从核心系统重新导出后上传")
    if head.startswith(_ZIP) and suffix in CSV_SUFFIXES:
        raise Refused(400, f"上传的文件名是 {suffix}，内容却是压缩包（如 Excel 工作簿）："
                           "请上传 .xlsx 或 .csv 原文件")
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise Refused(400, "上传的文件不是完整的 Excel 工作簿（压缩包已损坏）：请重新导出后上传"
                          ) from None
        if "xl/workbook.xml" not in names:
            raise Refused(400, "上传的文件是压缩包，但不是 Excel 工作簿（.xlsx）："
                               "请上传核心系统导出的 .xlsx 或 .csv")
        return "xlsx"
    if b"\x00" in head:
        raise Refused(400, "上传的文件不是工作簿，也不是 CSV 文本：请上传核心系统导出的 .xlsx 或 .csv")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the 64 KB read
                return "csv"
            continue
        return "csv"
    raise Refused(400, "上传的文件不是工作簿，也不是可读的 CSV 文本（既非 UTF-8 也非 GBK）：请重新导出")


def store_upload(settings: Settings, chunks: Iterable[bytes], *, original: str, user: str) -> Upload:
    limit = settings.console_upload_max_mb * 1024 * 1024
    when = now_in(settings)
    run_id = new_run_id(FLOW.replace("-", "_"), when)
    folder = make_private_dir(settings.runs_dir / run_id)
    staging = folder / f".upload-{secrets.token_hex(4)}"
    try:
        size = 0
        with staging.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise Refused(413, f"上传的文件超过 {settings.console_upload_max_mb} MB 的上限"
                                       "（RPA_CONSOLE_UPLOAD_MAX_MB）：请拆分导出后分批上传")
                out.write(chunk)
        kind = _kind(staging, original)
        path = folder / f"export-{secrets.token_hex(4)}.{kind}"
        staging.rename(path)
        try:
            (check_xlsx if kind == "xlsx" else check_input_path)(path)
        except InputFileError as exc:
            raise Refused(400, str(exc)) from None
        upload = Upload(run_id, path, Path(original).name[:200], user, when.isoformat())
        (folder / UPLOAD_JSON).write_text(json.dumps({
            "file": path.name, "original": upload.original, "user": user, "uploaded_at": upload.uploaded_at,
            "sha256": sha256_file(path),
        }, ensure_ascii=False), encoding="utf-8")
        return upload
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def pending_upload(settings: Settings, run_id: str) -> Upload:
    """The upload waiting in `run_id`'s folder to be started; Refused(404) when there is none
    (never uploaded, or the run has started already)."""
    from rpa.console.files import check_run_id

    folder = settings.runs_dir / check_run_id(run_id)
    marker = folder / UPLOAD_JSON
    if not marker.is_file() or (folder / "run.json").exists() or (folder / START_CLAIM).exists():
        raise Refused(404, "没有待开始的上传文件（可能已经开始运行）：请从首页查看，或重新上传")
    data = json.loads(marker.read_text(encoding="utf-8"))
    return Upload(run_id, folder / data["file"], data["original"], data["user"], data["uploaded_at"])


def uploaded_as(folder: Path) -> tuple[str, str] | None:
    """(stored file name as the rows' places show it, scrubbed, the clerk's file name scrubbed) of
    the upload a run's folder holds; None for a run of a file named on the command line (or an
    upload.json that does not read: `rpa audit verify` names that). A stored name with eight digits
    in a row shows masked (`export-****4914.csv`): its raw form was never found in a place, so the
    clerk's name was not put in, now and then (the rehearsal of 530627a)."""
    try:
        data = json.loads((folder / UPLOAD_JSON).read_text(encoding="utf-8"))
        return scrub_text(str(data["file"])), scrub_text(str(data["original"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def start_claimed(settings: Settings, run_id: str) -> bool:
    """Whether the run of the upload in `run_id`'s folder was started already (from the console)."""
    from rpa.console.files import check_run_id

    return (settings.runs_dir / check_run_id(run_id) / START_CLAIM).exists()


def claim_start(settings: Settings, run_id: str, user: str) -> bool:
    """Take the one start of the upload's run for `user`: True for the first caller, False for
    every later one (the file exists already), whichever thread or process it comes from."""
    path = settings.runs_dir / run_id / START_CLAIM
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"user": user, "at": now_in(settings).isoformat()}, out, ensure_ascii=False)
    return True


def release_start(settings: Settings, run_id: str) -> None:
    """Give the claim back when the run's process could not be started at all."""
    (settings.runs_dir / run_id / START_CLAIM).unlink(missing_ok=True)
