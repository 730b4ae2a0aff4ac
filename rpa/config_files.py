"""Reading a YAML configuration file (schedules, calendar, selectors, config/*.yaml) safely.

    data = read_yaml(path)       # ConfigError in Chinese naming the file, and the line where it can
    data = safe_load(text)       # yaml.safe_load, refusing a key given twice (DuplicateKey)
    said(error)                  # one pydantic complaint about such a file, in Chinese
    first_problem(exc)           # a ValidationError's first complaint, named by its key path

A configuration file must be a regular UTF-8 file of reasonable size, valid YAML without a key
given twice in one mapping (YAML keeps the later value without a word: tester AB's second
`unit: 元` under `unit: 万元` filed 注册资金 10,000 times too small), and its aliases must not
expand into a bomb or refer to themselves. A missing file raises FileNotFoundError so
each caller keeps its own advice (a missing calendar is no error, a missing spec lists the known
ones).
"""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from rpa.errors import ConfigError

MAX_CONFIG_BYTES = 5 * 1024 * 1024
MAX_CONFIG_NODES = 200_000  # values after aliases are expanded; the largest shipped file has ~2,000


class DuplicateKey(yaml.MarkedYAMLError):
    """A mapping with the same key twice; its mark is the second one."""

    def __str__(self) -> str:
        return str(self.problem)


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader, refusing a mapping that repeats a key (a merge `<<:` may still be
    overridden: that is what it is for)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line
            if isinstance(key, int | float | str | date):  # 2026 and "2026" name one year (tester AC)
                key = str(key)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: SafeLoader says so itself
                continue
            seen[key] = line
            if first is not None:
                raise DuplicateKey(problem=f"第{line + 1}行的键「{key}」在第{first + 1}行已写过，"
                                           "后写的会盖过先写的：请删去或改正其中一个",
                                   problem_mark=key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def safe_load(text: str | bytes) -> Any:
    """`yaml.safe_load`, refusing a key given twice in one mapping (DuplicateKey, a YAMLError)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader


def read_yaml(path: Path) -> Any:
    """The file's YAML content (plain data), or a ConfigError saying what is wrong and where."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}（{exc.strerror}）：请检查路径和权限") from None
    if not stat.S_ISREG(status.st_mode):
        kind = "文件夹" if stat.S_ISDIR(status.st_mode) else "特殊文件"
        raise ConfigError(f"配置文件 {path} 是{kind}而不是普通文件：请指向一个 YAML 文件")
    if status.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"配置文件 {path} 超过 {MAX_CONFIG_BYTES // 1024 // 1024} MB：请检查是否选错了文件")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}（{exc.strerror}）：请检查文件权限") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"配置文件 {path} 第{line}行不是 UTF-8 编码：请用 UTF-8 编码另存该文件") from None
    try:
        data = safe_load(text)
    except DuplicateKey as exc:
        raise ConfigError(f"配置文件 {path} {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark is not None else ""
        problem = str(exc.problem or exc.context)
        if "'\\t'" in problem:  # the commonest slip, said in words a maintainer knows
            problem = "有制表符（Tab）：YAML 的缩进只能用空格"
        raise ConfigError(f"配置文件 {path} {where}不是有效的 YAML（{problem}）：请改正后重试") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"配置文件 {path} 不是有效的 YAML（{type(exc).__name__}）：请改正后重试") from None
    _check_size(path, data)
    return data


def _check_size(path: Path, data: Any) -> None:
    """Refuse a value that refers to itself, or whose aliases expand past MAX_CONFIG_NODES."""
    sizes: dict[int, int] = {}
    open_ids: set[int] = set()

    def size(value: Any) -> int:
        if not isinstance(value, dict | list):
            return 1
        key = id(value)
        if key in sizes:
            return sizes[key]
        if key in open_ids:
            raise ConfigError(f"配置文件 {path} 中有引用自身的别名（&/*）：请展开写出")
        open_ids.add(key)
        children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_CONFIG_NODES:
                raise ConfigError(f"配置文件 {path} 的别名（&/*）展开后过大：请不要嵌套引用别名")
        open_ids.discard(key)
        sizes[key] = total
        return total

    try:
        size(data)
    except RecursionError:
        raise ConfigError(f"配置文件 {path} 嵌套层次过深：请检查文件内容") from None


def said(err: Any) -> str:
    """Pydantic's complaint (one of `ValidationError.errors()`) in Chinese where it is a common
    one; a validator's own text (written in Chinese) as it is."""
    ctx = err.get("ctx") or {}
    words = {"missing": "缺少这个字段", "extra_forbidden": "不认识的字段（拼写有误？）",
             "int_parsing": "须是整数", "int_type": "须是整数", "float_parsing": "须是数字",
             "bool_parsing": "须是 true 或 false",
             "bool_type": "须是 true 或 false", "string_type": "须是文字", "dict_type": "须是一组 键: 值",
             "list_type": "须是列表", "greater_than": f"须大于 {ctx.get('gt')}",
             "greater_than_equal": f"须不小于 {ctx.get('ge')}",
             "literal_error": f"须是 {str(ctx.get('expected')).replace(' or ', ', ')} 之一",
             "less_than_equal": f"须不大于 {ctx.get('le')}", "less_than": f"须小于 {ctx.get('lt')}",
             "tuple_type": "须是列表", "too_short": "项数太少", "string_too_short": "不能为空",
             "model_type": "须是一组 键: 值",
             **dict.fromkeys(("date_from_datetime_parsing", "date_parsing", "date_type"),
                             "须是日期，写成 2027-01-01")}
    if err["type"] in words:
        return words[err["type"]]
    return str(err["msg"]).removeprefix("Value error, ")


def first_problem(exc: Exception) -> str:
    """What is wrong with a file's content, in one line: a ValidationError's first complaint
    named by its key path (`approval.categories.0：...`, and how many more there are), never by
    its value; any other error's own words (a YAML error names its line)."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    found = errors(include_input=False)
    first = found[0]
    where = ".".join(str(part) for part in first["loc"]) or "（整个文件）"
    more = f"（另有 {len(found) - 1} 处）" if len(found) > 1 else ""
    return f"{where}：{said(first)}{more}"
