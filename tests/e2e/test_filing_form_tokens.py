"""A portal that keeps one open form per session (a Struts-style form token) against the bot that
works ahead in three tabs: the first stale form makes the worker work one page at a time, the
refused 确认提交 is retried after a look-up, and every row still ends as it should, filed once."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fixtures.portals.common import serve_in_thread
from rpa.run.orchestrate import execute_run
from tests.e2e.test_account_filing_run import (
    REFERENCE_DAY,
    SEED,
    expected_rows,
    filing_settings,
    read_result,
    subset_workbook,
)
from tests.plugins.portals import AmsHandle, active_operators

pytestmark = pytest.mark.browser
ROWS = 16  # sheet rows 4..19: 12 to file, 1 already filed, 3 never sent


@pytest.fixture
def ams_with_form_tokens() -> Iterator[AmsHandle]:
    from fixtures.portals.ams import create_app

    server = serve_in_thread(create_app(form_tokens=True))
    with httpx.Client(base_url=server.url, timeout=30) as admin:
        yield AmsHandle(server.url, admin, active_operators())
    server.stop()


def test_a_stale_form_turns_working_ahead_off_and_every_row_still_files_once(
    ams_with_form_tokens: AmsHandle, tmp_path: Path
) -> None:
    ams = ams_with_form_tokens
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    source = subset_workbook(tmp_path / "accounts.xlsx", ROWS)
    settings = filing_settings(tmp_path, ams, 1)
    assert settings.ams_strategy == "pipelined"  # the default: three tabs, the next form opened early

    outcome = execute_run(
        settings, "account-filing", {"flow_params": {"input": str(source), "today": REFERENCE_DAY}}, workers=1
    )

    stats = ams.stats()
    assert stats["events"].get("stale_form", 0) >= 1  # the portal did refuse a stale form
    filings = ams.filings()
    assert all(f["submitted"] <= 1 for f in filings)  # nothing filed twice (seeded ones: 0)
    expected = expected_rows(3 + ROWS)
    to_file = [row for row, r in expected.items() if r["portal"] == "file"]
    assert len(ams.submissions()) == len(to_file)
    result = read_result(outcome.folder / "result.xlsx")
    statuses = Counter(result[row]["状态"] for row in to_file)
    assert statuses == {"已报备": len(to_file)}, statuses
    assert outcome.counts["failed"] == 0 and outcome.counts["pending"] == 0
    log = (outcome.folder / "run.log").read_text(encoding="utf-8")
    assert "AMS 每个会话只保留一张打开的表单" in log
