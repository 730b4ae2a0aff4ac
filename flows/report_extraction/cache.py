"""Extractions cached by the report file's SHA-256, so an unchanged file is not extracted twice.

    cache = ExtractionCache(settings.runs_dir / "_cache" / "extractions")
    extraction, cached = cache.extract(path, spec)

`<sha256>.json` holds the extraction as JSON with a fingerprint of the spec and the code that made
it: a file read with a changed spec, or by another version of the reader (its source, or the
versions of pdfplumber, pdfminer.six and openpyxl), is extracted again (tester BK F14, 2026-12-07:
a run took a red figure an older reader had read positive from the cache, the new reader refusing
it). Figures are the bank's records: the folder is 0700, the files 0600. Extraction errors are not
cached (they are cheap, and a fixed spec may pass).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

from flows.report_extraction.extract import extract_file
from flows.report_extraction.models import CheckResult, Extraction, Figure, Provenance
from flows.report_extraction.specs import ExtractionSpec
from rpa.run.runs import make_private_dir, sha256_file, write_private_text

CACHE_FORMAT = 5  # the layout of a cache entry
_READERS = ("pdfplumber", "pdfminer.six", "openpyxl")


@functools.cache
def reader_version() -> str:
    """A hash of the report reader's source (this package) and the reading libraries' versions."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for name in _READERS:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?".encode())
    return digest.hexdigest()


def spec_fingerprint(spec: ExtractionSpec) -> str:
    """A hash of the spec's content, the cache format and the reader's version."""
    return hashlib.sha256(f"{CACHE_FORMAT}:{reader_version()}:{spec.model_dump_json()}".encode()).hexdigest()


class ExtractionCache:
    """A folder of extractions by file SHA-256; safe for several worker processes at once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def extract(self, path: Path, spec: ExtractionSpec, report_date: str | None = None,
                branch: str | None = None) -> tuple[Extraction, bool]:
        """The file's extraction and whether it came from the cache; `report_date` and `branch`
        are what the file was fetched for (see extract_file)."""
        digest = sha256_file(path)
        fingerprint = f"{spec_fingerprint(spec)}:{report_date}:{branch}"
        entry = self.folder / f"{digest}.json"
        try:
            stored = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = None
        if isinstance(stored, dict) and stored.get("spec_fingerprint") == fingerprint:
            return extraction_from_json(stored["extraction"], file=path.name), True
        extraction = extract_file(path, spec, report_date=report_date, branch=branch)
        make_private_dir(self.folder.parent)
        make_private_dir(self.folder)
        partial = self.folder / f".{digest}.{os.getpid()}.tmp"
        payload = {"spec_fingerprint": fingerprint, "extraction": extraction.to_json()}
        write_private_text(partial, json.dumps(payload, ensure_ascii=False))
        os.replace(partial, entry)  # atomic: a reader sees the old entry or the whole new one
        return extraction, False


def provenance_from_json(data: dict[str, Any], *, file: str | None = None) -> Provenance:
    """Provenance from `Provenance.to_json()`; `file` renames the file it points at."""
    bbox = data.get("bbox")
    return Provenance(
        file=file or data["file"], sheet=data.get("sheet"), page=data.get("page"), cell=data.get("cell"),
        bbox=(bbox[0], bbox[1], bbox[2], bbox[3]) if bbox else None,
    )


def extraction_from_json(data: dict[str, Any], *, file: str | None = None) -> Extraction:
    """An Extraction from `Extraction.to_json()`; `file` renames the file throughout (a cached
    extraction of the same bytes downloaded under another name)."""
    name = file or data["file"]
    renamed = file if file and file != data["file"] else None
    figures = [
        Figure(
            branch=f["branch"], metric=f["metric"], column=f["column"], value_yuan=Decimal(f["value_yuan"]),
            raw=f["raw"], unit=f["unit"], provenance=provenance_from_json(f["provenance"], file=renamed),
            unit_source=f.get("unit_source", ""), multiplier=Decimal(f.get("multiplier", "1")),
            branch_source=f.get("branch_source", ""),
        )
        for f in data["figures"]
    ]
    checks = [
        CheckResult(c["name"], c["ok"], c["message"],
                    [provenance_from_json(p, file=renamed) for p in c["provenance"]])
        for c in data["checks"]
    ]
    return Extraction(
        spec=data["spec"], file=name, sha256=data["sha256"], figures=figures, checks=checks,
        branch=data.get("branch"), report_date=data.get("report_date"), notes=list(data.get("notes", [])),
    )
