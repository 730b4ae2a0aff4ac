"""Files in the audit chain: the SHA-256 of a file, the listing of every file under a run's
`evidence/` and `downloads/` that the run's close seals into its chain (`EVIDENCE_SEALED`), and the listing of
the outputs a run has just written (`OUTPUTS_WRITTEN`: result.xlsx, report.html, ...).

    >>> sealed_listing(run_folder)
    [{'file': 'evidence/3f9c…-failure.png', 'file_sha256': 'e3b0c442…'}]
    >>> output_listing(run_folder, [run_folder / "result.xlsx"])
    [{'file': 'result.xlsx', 'file_sha256': '9a0b…'}]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

EVIDENCE_SEALED = "evidence.sealed"
EVIDENCE_DIR = "evidence"
# what the close seals: screenshots and traces, and the portal's files a run read its figures
# from (report extraction's `downloads/`, which an auditor checks figures against)
SEALED_DIRS = (EVIDENCE_DIR, "downloads")
OUTPUTS_WRITTEN = "outputs.written"


def file_sha256(path: Path) -> str:
    """The file's SHA-256 as hex, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sealed_files(folder: Path) -> list[Path]:
    """Every file under the run folder's `SEALED_DIRS`, in order."""
    found: list[Path] = []
    for name in SEALED_DIRS:
        root = folder / name
        found += sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    return found


def sealed_listing(folder: Path) -> list[dict[str, str]]:
    """Every file under `folder/evidence/` and `folder/downloads/` with its SHA-256, its path
    relative to the run folder."""
    return [{"file": path.relative_to(folder).as_posix(), "file_sha256": file_sha256(path)}
            for path in sealed_files(folder)]


def output_listing(folder: Path, paths: Sequence[Path]) -> list[dict[str, str]]:
    """Each of `paths` that is a file in the run folder, with its SHA-256 and its path relative
    to the folder (a path outside it, or gone already, is not listed)."""
    listed: dict[str, str] = {}
    for path in paths:
        try:
            name = path.resolve().relative_to(folder.resolve()).as_posix()
            listed[name] = file_sha256(path)
        except (ValueError, OSError):
            continue
    return [{"file": name, "file_sha256": digest} for name, digest in sorted(listed.items())]
