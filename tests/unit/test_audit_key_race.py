"""Two processes making the audit key of a new database at once (two runs started together): each
gets the one key, none fails on the file's existing nor reads it half written (the clean-clone
rehearsal of 2026-12-07 saw a run refused: 无法读写审计密钥文件 …（File exists）)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from rpa.audit_key import key_from_file


def _key(path: str, url: str) -> bytes:
    return key_from_file(Path(path), url, create=True)


@pytest.mark.timeout(120)
def test_runs_making_the_key_at_once_share_one(tmp_path: Path) -> None:
    path, url = tmp_path / "keys" / "audit.key", f"sqlite:///{tmp_path / 'queue.db'}"
    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = list(pool.map(_key, [str(path)] * 24, [url] * 24))
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert path.read_bytes().strip() == keys[0] and path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["audit.key"]  # no spare left behind
