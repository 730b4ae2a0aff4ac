"""A downloaded report file: saved only once it is whole and of the type its name says.

    path = save_download(download, "xlsx", run_folder / "downloads", "D0101-20261127-110101")
    verify_report_file(Path("网点经营日报_东城支行_20261127.xlsx"), "xlsx")   # or DownloadFailed

A servlet that fails after writing its headers sends an HTML error page under a .xlsx name; a
connection cut short leaves a file that starts right and ends too soon. Both are system errors
(`DownloadFailed`, retried), never a file handed to the extraction.

A download Chromium gives up on may have met a full disk, which it reports only as `canceled`:
a small probe file is then written where the browser and the run keep downloads, and a disk
that refuses it stops the run (`DiskRefused`, rpa.disk) instead of failing item after item.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError

from rpa.disk import as_run_fatal
from rpa.errors import DownloadFailed, ExtractionError

if TYPE_CHECKING:
    from playwright.sync_api import Download

REPORT_FORMATS = ("xlsx", "pdf")
_MAGIC = {"xlsx": b"PK\x03\x04", "pdf": b"%PDF-"}
# an OLE2 compound file: an encrypted workbook (Excel wraps it so) or a legacy .xls (tester BO F11)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PDF_TAIL_BYTES = 2048
_HTML_PEEK_BYTES = 64 * 1024
_TAGS = re.compile(r"<(script|style|title)\b.*?</\1>|<[^>]+>", re.S | re.I)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f/\\:*?\"<>|]")
_PROBE_BYTES = 1024 * 1024


def save_download(download: Download, fmt: str, dest_dir: Path, fallback_stem: str,
                  listed: str | None = None) -> Path:
    """Wait for the download, check it, and only then give it its name in `dest_dir` (0600):
    the platform's, when it is the one the list showed for the link (`listed`), else
    `fallback_stem` (the report id): a name sent for another branch or day would put the file
    under that report's name, over its file. DownloadFailed when the browser gave up on it or
    the file is not a whole `fmt` file; ExtractionError (拒收) for an encrypted workbook.

    The browser's own file is moved, not copied (`Download.path()` waits for the end and
    raises for a failed download): one round trip through the driver instead of three, and
    nothing of the file stays in the driver's temporary folder."""
    try:
        downloaded = Path(download.path())
    except PlaywrightError as error:
        refuse_if_no_room([Path(tempfile.gettempdir()), dest_dir])
        raise DownloadFailed(f"{fallback_stem}（{fmt}）下载失败：{error.message}") from None
    suggested = download.suggested_filename
    name = safe_file_name(suggested if listed in (None, suggested) else "", fmt, fallback_stem)
    partial = _private_dir(dest_dir / ".partial") / name
    shutil.move(downloaded, partial)
    try:
        os.chmod(partial, 0o600)
        verify_report_file(partial, fmt)
    except (DownloadFailed, ExtractionError):
        partial.unlink(missing_ok=True)
        raise
    target = dest_dir / name
    os.replace(partial, target)
    return target


def refuse_if_no_room(folders: list[Path]) -> None:
    """DiskRefused when a 1 MB probe cannot be written into one of `folders` (full, read-only or
    refused); nothing when it can, or when the folder is gone (not a disk problem)."""
    for folder in folders:
        probe = folder / f".probe-{os.getpid()}"
        try:
            with probe.open("wb") as handle:
                handle.write(bytes(_PROBE_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            fatal = as_run_fatal(OSError(exc.errno, exc.strerror, str(folder)))  # the folder, not the probe
            if fatal is not None:
                raise fatal from exc
        finally:
            probe.unlink(missing_ok=True)


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def verify_report_file(path: Path, fmt: str) -> None:
    """Raise DownloadFailed unless `path` is a complete, non-empty file of type `fmt`."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    size = path.stat().st_size
    if size == 0:
        raise DownloadFailed(f"{path.name}：下载的文件是空的（0 字节）")
    with path.open("rb") as handle:
        head = handle.read(_HTML_PEEK_BYTES)
    if not head.startswith(_MAGIC[fmt]):
        words = html_page_words(head)
        if words is not None:
            raise DownloadFailed(
                f"{path.name}：报表平台发来的是一个网页（HTML），不是 {fmt} 文件",
                portal_message=words or None,
            )
        if fmt == "xlsx" and head.startswith(_OLE2):  # whole, and the same at every download
            raise ExtractionError(f"{path.name}：报表平台发来的是加密的 Excel 工作簿或旧版 .xls，不是 .xlsx，"
                                  "重新下载也还是它：请报表平台（或报送机构）另存为未加密的 .xlsx 后重新生成",
                                  details={"file": path.name})
        raise DownloadFailed(f"{path.name}：不是 {fmt} 文件（文件开头的字节：{head[:8].hex(' ')}）")
    if fmt == "xlsx":
        _verify_workbook(path)
    else:
        _verify_pdf(path, size)


def _verify_workbook(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()  # reads every member and checks its CRC
            names = set(archive.namelist())
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise DownloadFailed(f"{path.name}：工作簿不完整或已损坏（{error}）") from None
    if damaged is not None:
        raise DownloadFailed(f"{path.name}：工作簿已损坏（{damaged} 校验不符）")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise DownloadFailed(f"{path.name}：是 zip 文件，但不是 Excel 工作簿")


def _verify_pdf(path: Path, size: int) -> None:
    with path.open("rb") as handle:
        handle.seek(max(0, size - _PDF_TAIL_BYTES))
        tail = handle.read()
    if b"%%EOF" not in tail:
        raise DownloadFailed(f"{path.name}：PDF 不完整（结尾没有 %%EOF）")


def html_page_words(head: bytes) -> str | None:
    """The visible text of an HTML page (the platform's words), or None if `head` is no HTML."""
    if head.lstrip()[:1] != b"<":
        return None
    for encoding in ("utf-8", "gbk"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = head.decode("gbk", errors="replace")
    words = " ".join(html.unescape(_TAGS.sub(" ", text)).split())
    return words[:300]


def safe_file_name(suggested: str, fmt: str, fallback_stem: str) -> str:
    """The platform's file name made safe for the run folder, always ending in `.fmt`."""
    stem = suggested.rsplit(".", 1)[0] if "." in suggested else suggested
    stem = _UNSAFE_NAME.sub("_", stem).strip(" .")
    return f"{stem or fallback_stem}.{fmt}"
