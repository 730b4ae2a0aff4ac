"""The screenshots the run report links to: an item's own `evidence` path when it is an image
inside the run folder, and the failure screenshots the browser kept under the item's ref.

    >>> last_failure_shot(folder, ref)
    'evidence/3f9c…-2-failure.png'

A path that leaves the run folder (absolute, `..`, a symlink pointing out) or is not an image is
named but not linked (`Evidence.href` None): the page never links outside its run. So a row an
earlier run settled, whose screenshot that run's folder keeps, is named with that run
(`Evidence.run`, `evidence_of_run`): the page says 截图见运行 <id>, not that it is missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from rpa.masking import FieldClass, mask
from rpa.outcomes import OFF_THE_PAGE
from rpa.queue.aftercare import HELD_ON_REFILE

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
EVIDENCE_DIR = "evidence"
# rpa.browser.evidence.item_evidence names failure screenshots <item_ref>-failure.png,
# <item_ref>-2-failure.png...
_FAILURE_SHOT = re.compile(r"(?:-\d+)?-failure\.png")
_RUN_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,127}")


@dataclass(frozen=True)
class Evidence:
    """A screenshot of an item: `href` relative to the report, None when the file is missing."""

    name: str
    href: str | None
    failure: bool = False
    run: str = ""  # the other run whose folder holds it (never linked); "" for this run's own


def evidence(value: Any, folder: Path) -> Evidence | None:
    """The screenshot named by the result, only if it is an image inside the run folder."""
    if not isinstance(value, str) or not value:
        return None
    relative = PurePosixPath(value.replace("\\", "/"))
    name = mask(relative.name, FieldClass.FILE_NAME)  # a plain name whole (hex refs hold digit runs)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix.lower() not in IMAGE_SUFFIXES:
        return Evidence(name, None)
    target = folder.joinpath(*relative.parts).resolve()
    inside = target.is_relative_to(folder.resolve()) and target.is_file()  # a symlink may point out
    # the link target is not shown text: it keeps the real file name, percent-encoded
    return Evidence(name, quote(relative.as_posix()) if inside else None)


def evidence_of_run(value: Any, folder: Path, run_id: str) -> Evidence | None:
    """The screenshot named by a row's result as `evidence` does for this run (`folder`); for a
    row another run settled (`run_id`), found in that run's folder beside this one, named with
    that run and not linked, or missing when that folder does not hold it."""
    if not run_id or run_id == folder.name:
        return evidence(value, folder)
    if not _RUN_ID.fullmatch(run_id):  # a run id is one plain folder name: else named, never looked for
        named = evidence(value, folder)
        return None if named is None else Evidence(named.name, None)
    found = evidence(value, folder.parent / run_id)
    if found is None or found.href is None:
        return found
    return Evidence(found.name, None, run=run_id)


def failure_shots(folder: Path, ref: str) -> list[Evidence]:
    """The failure screenshots kept under `ref` in `folder/evidence/`, in the order they were taken."""
    found_in = folder / EVIDENCE_DIR
    if not found_in.is_dir():
        return []
    found = [p for p in found_in.glob(f"{ref}*-failure.png") if _FAILURE_SHOT.fullmatch(p.name[len(ref) :])]
    found.sort(key=lambda p: (len(p.name), p.name))  # <ref>-failure.png, then -2-, -3-...
    return [Evidence(p.name, quote(f"{EVIDENCE_DIR}/{p.name}"), failure=True) for p in found]


def last_failure_shot(folder: Path, ref: str, held: Mapping[str, Any] | None = None) -> str:
    """The item's last failure screenshot (what the page showed when it was refused, held or
    failed) as a path relative to the run folder, or "" when the browser kept none or `held`,
    the result of an item now held, says the hold was decided off the page (`OFF_THE_PAGE`, or
    a refiled row's gate, `HELD_ON_REFILE`): an earlier attempt's page, such as a 500, would
    stand for a reason it was not held for (testers AM, AO, AP)."""
    if held and (held.get(OFF_THE_PAGE) or held.get(HELD_ON_REFILE)):
        return ""
    shots = failure_shots(folder, ref)
    return f"{EVIDENCE_DIR}/{shots[-1].name}" if shots else ""
