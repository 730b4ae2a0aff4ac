"""The guard in front of every input file the readers open (exports, report xlsx and PDF).

    check_input_path(path)                # a regular, readable file; not a folder, FIFO or device
    check_xlsx(path)                      # a real, unencrypted xlsx zip within the size limits
    check_pdf(path)                       # starts like a PDF
    with reading(path):                   # the parsing libraries' errors -> InputFileError
        workbook = load_workbook(path, read_only=True)

Every refusal is an `InputFileError` (exit 2) with one Chinese line naming the file and what to
do. The limits on an xlsx (unzipped size, compression ratio) and on a PDF (pages, seconds per
page: flows.report_extraction.pdf_limits) are settings (`RPA_INPUT_MAX_UNZIPPED_MB`,
`RPA_INPUT_MAX_ZIP_RATIO`, `RPA_INPUT_MAX_PDF_PAGES`, `RPA_INPUT_PDF_PAGE_SECONDS`), applied per
process with `apply_input_limits(settings)` and read with `current_limits()`. This module imports
no parsing library: it recognises their exceptions by the module they come from, so the edges
stay at the readers.
"""

from __future__ import annotations

import stat
import sysconfig
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

from rpa.errors import InputFileError, RpaError

if TYPE_CHECKING:
    from rpa.settings import Settings

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office's container: encrypted xlsx, old .xls
ZIP_SIGNATURE = b"PK\x03\x04"
# the stream an encrypted OOXML file keeps its key data in, as the OLE directory names it
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
XLSX_REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")
LIBRARIES = ("openpyxl", "pdfminer", "pdfplumber", "et_xmlfile", "defusedxml", "PIL", "xml", "zipfile")


@dataclass(frozen=True)
class InputLimits:
    """How far an input xlsx may unzip (in total, and per member relative to its packed size),
    and how many pages a PDF may have and how long one of its pages may take to read."""

    max_unzipped_bytes: int = 300 * 1024 * 1024
    max_ratio: int = 1000
    max_pdf_pages: int = 500
    pdf_page_seconds: float = 10.0


DEFAULT_LIMITS = InputLimits()
_LIMITS: ContextVar[InputLimits] = ContextVar("input_limits")


def apply_input_limits(settings: Settings) -> None:
    """Use the settings' limits for the files this process reads."""
    _LIMITS.set(
        InputLimits(settings.input_max_unzipped_mb * 1024 * 1024, settings.input_max_zip_ratio,
                    settings.input_max_pdf_pages, settings.input_pdf_page_seconds)
    )


def current_limits() -> InputLimits:
    """The limits this process applies (the defaults until `apply_input_limits`)."""
    return _LIMITS.get(DEFAULT_LIMITS)


def check_input_path(path: Path) -> None:
    """Refuse what is not a regular readable file, before anything opens it (a FIFO would block)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputFileError(f"找不到输入文件 {path.name}（{path}）：请检查文件名和路径") from None
    except OSError as exc:
        raise InputFileError(f"无法读取 {path.name}（{exc.strerror}）：请检查路径和权限") from None
    if stat.S_ISDIR(mode):
        raise InputFileError(f"{path.name} 是文件夹，不是文件：请给出文件夹中的 .xlsx 或 .csv 文件")
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{path.name} 不是普通文件（管道或设备）：请先把内容保存为文件再读取")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputFileError(f"无法打开 {path.name}（{exc.strerror}）：请检查文件权限") from None


def _head(path: Path, size: int = 8) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _is_encrypted_ole(path: Path) -> bool:
    """An OLE container whose directory names an EncryptionInfo stream (read in blocks)."""
    with path.open("rb") as handle:
        tail = b""
        for block in iter(lambda: handle.read(1 << 20), b""):
            if ENCRYPTION_INFO in tail + block:
                return True
            tail = block[-len(ENCRYPTION_INFO):]
    return False


def check_xlsx(path: Path) -> None:
    """A real xlsx: a zip with a workbook, not encrypted, unzipping within the limits."""
    check_input_path(path)
    name = path.name
    head = _head(path)
    if head.startswith(OLE_SIGNATURE):
        if _is_encrypted_ole(path):
            raise InputFileError(f"{name} 文件已加密：请在 Excel 中取消密码，另存为未加密的 .xlsx 后重试")
        raise InputFileError(f"{name} 是旧版 .xls 格式（扩展名却是 .xlsx）：请在 Excel 中另存为 .xlsx")
    if not head.startswith(ZIP_SIGNATURE):
        raise InputFileError(f"{name} 不是有效的 .xlsx 文件（内容不是 Excel 工作簿）：请从系统重新导出")
    limits = current_limits()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # NotImplementedError: zipfile's answer to a zip version or method it does not know
        raise InputFileError(f"{name} 不是有效的 .xlsx 文件（压缩包已损坏）：请从系统重新导出") from None
    names = {m.filename for m in members}
    missing = [part for part in XLSX_REQUIRED if part not in names]
    if missing:
        raise InputFileError(f"{name} 不是有效的 .xlsx 文件（缺少 {missing[0]}）：请从系统重新导出")
    if any(m.flag_bits & 0x1 for m in members):
        raise InputFileError(f"{name} 文件已加密：请另存为未加密的 .xlsx 后重试")
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise InputFileError(
            f"{name} 解压后超过 {limits.max_unzipped_bytes // 1024 // 1024} MB：请拆分文件，"
            "或调大 RPA_INPUT_MAX_UNZIPPED_MB"
        )
    for member in members:
        packed = max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and member.file_size > limits.max_ratio * packed:
            raise InputFileError(
                f"{name} 中的 {member.filename} 压缩比异常（超过 {limits.max_ratio} 倍）：文件可能被篡改，"
                "请从系统重新导出，或调大 RPA_INPUT_MAX_ZIP_RATIO"
            )


def check_pdf(path: Path) -> None:
    """A file that starts like a PDF (within its first KB, as readers allow)."""
    check_input_path(path)
    if b"%PDF-" not in _head(path, 1024):
        raise InputFileError(f"{path.name} 不是 PDF 文件：请检查是否选错了文件，或从平台重新下载")


def _from_library(exc: BaseException, tb: TracebackType | None) -> bool:
    """The exception comes from a parsing library (its class, or the frame that raised it)."""
    if type(exc).__module__.split(".")[0] in LIBRARIES:
        return True
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename.replace("\\", "/"))
        tb = tb.tb_next
    stdlib = sysconfig.get_paths()["stdlib"].replace("\\", "/")
    # the innermost frame not of the standard library a library may call (pdfminer's Ascii85
    # through base64: a ValueError from base64.py, found by the fuzz test of 2026-12-08)
    filename = next((f for f in reversed(frames) if not f.startswith(stdlib) or "site-packages" in f), "")
    return any(f"/{lib}/" in filename or filename.endswith(f"/{lib}.py") for lib in LIBRARIES)


def describe_failure(path: Path, exc: BaseException) -> str:
    """The Chinese line for a parsing library's failure on `path`."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc  # pdfplumber wraps
    kind = type(inner).__name__
    if kind == "error":  # zlib.error
        kind = f"{type(inner).__module__}.error"
    if "Password" in kind or "Encrypt" in kind:
        return f"{path.name} 已加密，请导出未加密的文件"
    return f"无法读取 {path.name}：文件内容损坏（{kind}）：请从系统重新导出该文件"


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Map what the parsing libraries raise on a broken file to an InputFileError naming it.

    Our own errors pass through; a KeyError or IndexError counts only when a library raised it,
    so a bug in our code still shows as one."""
    try:
        yield
    except RpaError:
        raise
    except (zipfile.BadZipFile, zlib.error, ParseError, EOFError) as exc:
        raise InputFileError(describe_failure(path, exc)) from None
    except MemoryError:
        raise InputFileError(f"{path.name} 太大，读取时内存不足：请拆分文件后重试") from None
    except Exception as exc:
        if _from_library(exc, exc.__traceback__):
            raise InputFileError(describe_failure(path, exc)) from None
        raise


def os_reason(error: OSError) -> str:
    """Why the system could not read a file, in words a clerk reads."""
    if isinstance(error, FileNotFoundError):
        return "文件不存在，请核对路径"
    if isinstance(error, PermissionError):
        return "没有读取权限"
    if isinstance(error, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    return f"系统错误 {error.errno}"
