"""Spec patterns that could backtrack catastrophically are refused before any report is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import load_spec
from flows.report_extraction.safe_pattern import safe_pattern
from rpa.errors import ConfigError

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(?P<code>(\d+)+)号", "嵌套量词"),  # the classic (a+)+: minutes on 30 digits and a letter
        (r"(?P<code>(?:\s*\w+)*)$", "嵌套量词"),
        (r"(?P<code>(?:a|ab)*)c", "分支"),
        (r"(?P<code>\d)\1", "反向引用"),
        (r"(?P<code>\d{6}", "不是有效的正则表达式"),
    ],
)
def test_a_dangerous_or_broken_pattern_is_refused(pattern: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        safe_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?P<code>\d{6})",
        r"机构[:：]?(?P<code>\d{6})",
        r"^(?P<code>\d{6})$",
        r"(\d{4})年(\d{1,2})月(?:(\d+)日)?",
    ],
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert safe_pattern(pattern).pattern == pattern


def test_a_spec_with_a_dangerous_branch_pattern_is_a_config_error_naming_it(tmp_path: Path) -> None:
    text = (SPECS / "branch_daily.yaml").read_text(encoding="utf-8")
    shipped = r"pattern: '(?P<code>\d{6})'"
    assert shipped in text
    slow = text.replace(shipped, r"pattern: '(?P<code>(\d+)+)'")
    (tmp_path / "slow.yaml").write_text(slow, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_spec("slow", tmp_path)
    message = str(caught.value)
    assert "slow.yaml" in message and "branch.pattern" in message and "灾难性回溯" in message


def test_a_dangerous_date_pattern_is_refused_too(tmp_path: Path) -> None:
    text = (SPECS / "branch_daily.yaml").read_text(encoding="utf-8")
    (tmp_path / "slow.yaml").write_text(text + "date_pattern: '(?P<y>(\\d+)+)年'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"date_pattern.*灾难性回溯"):
        load_spec("slow", tmp_path)
