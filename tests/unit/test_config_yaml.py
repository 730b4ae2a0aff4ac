"""A configuration file's YAML: a key given twice in one mapping is refused naming both lines
(tester AB, 2026-12-06: a second `unit: 元` under `unit: 万元` filed 注册资金 10,000 times too
small, the later value winning without a word); a merge (`<<:`) may still be overridden."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rpa.config_files import DuplicateKey, read_yaml, safe_load
from rpa.errors import ConfigError


@pytest.mark.parametrize(("text", "said"), [
    ("unit: 万元\nunit: 元\n", "第2行的键「unit」在第1行已写过"),
    ("rows:\n  - {name: 对公贷款余额, name: 储蓄存款余额}\n", "第2行的键「name」在第2行已写过"),
    ("2026:\n  holidays: []\n2027: {}\n2026:\n  holidays: []\n", "第4行的键「2026」在第1行已写过"),
    ("years:\n  2026: {holidays: [2026-12-07]}\n  \"2026\": {workdays: []}\n",  # tester AC: a quoted year
     "第3行的键「2026」在第2行已写过"),
])  # fmt: skip
def test_a_key_given_twice_is_refused_naming_both_lines(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(DuplicateKey, match=said):
        safe_load(text)
    path = tmp_path / "deadlines.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        read_yaml(path)
    message = str(refused.value)
    assert message.startswith(f"配置文件 {path} {said}") and "后写的会盖过先写的" in message
    assert issubclass(DuplicateKey, yaml.YAMLError)  # every loader's `except yaml.YAMLError` takes it


def test_a_merged_mapping_may_be_overridden_and_plain_files_load_as_before() -> None:
    text = "base: &base {unit: 万元, required: true}\nfield:\n  <<: *base\n  unit: 元\n"
    assert safe_load(text) == {"base": {"unit": "万元", "required": True},
                               "field": {"unit": "元", "required": True}}
    assert safe_load("- 1\n- 1\n") == [1, 1] and safe_load("") is None


def test_a_tab_is_said_in_words_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ams_messages.yaml"
    path.write_text("messages:\n\t- {contains: 系统繁忙, kind: retry, code: busy}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="第2行第1列不是有效的 YAML（有制表符（Tab）：YAML 的缩进只能用"):
        read_yaml(path)
