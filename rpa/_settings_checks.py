"""Checks on settings that pydantic alone does not make, and their Chinese messages.

    home = configuration_home()                 # RPA_HOME, else the working directory, else the project
    env_file = checked_env_file(home)           # .env, refused when not UTF-8
    for line in unknown_rpa_names(known, env_file):
        warn(line)                              # RPA_WORKRS: did you mean RPA_WORKERS?
    message = describe_validation_errors(exc.errors())

Where configuration comes from: `RPA_HOME` when set; otherwise the working directory when it
holds `config/`, `schedules.yaml` or `calendar.yaml`; otherwise the installed project's folder.
`config/`, `selectors/`, `calendar.yaml`, `schedules.yaml` and `.env` are taken from that one
folder unless their own setting (`RPA_CONFIG_DIR`, ...) names another place.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import time
from pathlib import Path
from typing import Any

from rpa.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOME_MARKERS = ("config", "schedules.yaml", "calendar.yaml")
# RPA_ names read outside the settings model
OTHER_RPA_NAMES = frozenset({"RPA_HOME", "RPA_SMOKE_PASSWORD"})
# the tests' own names; the secrets alerts.yaml names by `password_env` (alerts.example.yaml's
# RPA_ALERT_SMTP_PASSWORD was warned about as a typo of RPA_SMOKE_PASSWORD: tester U)
OTHER_RPA_PREFIXES = ("RPA_TEST_", "RPA_ALERT_")


def configuration_home() -> Path:
    """The folder configuration files are read from (see the module docstring)."""
    named = os.environ.get("RPA_HOME", "").strip()
    if named:
        home = Path(named).expanduser()
        if not home.is_dir():
            raise ConfigError(
                f"设置 RPA_HOME 指向的 {home} 不是文件夹：请改为放置 config/ 和 schedules.yaml 的文件夹"
            )
        return home
    cwd = Path.cwd()
    if any((cwd / marker).exists() for marker in HOME_MARKERS):
        return cwd
    return PROJECT_ROOT


def checked_env_file(home: Path) -> Path | None:
    """`.env` under the home folder (or the working directory), None when there is none; a
    `.env` that is not a readable UTF-8 text file is refused naming the line."""
    for folder in dict.fromkeys((home, Path.cwd())):
        path = folder / ".env"
        if path.exists():
            break
    else:
        return None
    if not path.is_file():
        raise ConfigError(f"设置文件 {path} 不是普通文件：请删除它或改为文本文件")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"无法读取设置文件 {path}（{exc.strerror}）：请检查文件权限") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"设置文件 {path} 第{line}行不是 UTF-8 编码：请用 UTF-8 编码另存该文件"
        ) from None
    return path


def env_file_names(env_file: Path | None) -> list[str]:
    """The variable names a `.env` file sets (values are not read here); one set on two lines is
    refused naming both (tester AC's N8: the later line won without a word)."""
    names: dict[str, int] = {}
    for number, line in enumerate(env_file.read_text(encoding="utf-8").splitlines() if env_file else [], 1):
        if match := re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", line):
            if (name := match.group(1)) in names:
                raise ConfigError(f"设置文件 {env_file} 第{names[name]}行和第{number}行都设了 {name}："
                                  "请只留下要用的那一行")
            names[name] = number
    return list(names)


# settings that no longer exist, and what to set instead (a run must not quietly ignore them)
RETIRED_NAMES: Mapping[str, str] = {
    "RPA_AMS_WORK_AHEAD": "RPA_AMS_WORK_AHEAD 已由 RPA_AMS_STRATEGY 取代：请删去它，改设 "
    "RPA_AMS_STRATEGY=pipelined（多标签页提前加载，默认）或 plain（一页一件，原 false）",
    "RPA_BATCH_WINDOW_PATIENCE_SECONDS": "RPA_BATCH_WINDOW_PATIENCE_SECONDS 已取消："
    "AMS 批处理期间事项退回队列，每次等 RPA_BACKOFF_MAX_SECONDS 秒后重试，最多 RPA_MAX_ATTEMPTS 次；"
    "请删去它，需要等得更久时调大这两项",
}


def retired_name_error(names: Iterable[str]) -> str | None:
    """The Chinese line for the first retired `RPA_*` name set (environment or .env), if any."""
    for name in dict.fromkeys(n.upper() for n in names):
        if name in RETIRED_NAMES:
            return f"设置无效：{RETIRED_NAMES[name]}"
    return None


# a name this close to a setting is that setting misspelt (RPA_FILING_REQUIRE_CHEK): refused
MISSPELT = 0.9


def unknown_rpa_names(known: Iterable[str], names: Iterable[str]) -> list[str]:
    """One Chinese warning per `RPA_*` name that no setting reads, with the closest known name.
    A name one slip from a setting is not a warning but a ConfigError: the setting it was meant
    to be (a safety gate such as RPA_FILING_REQUIRE_CHECK) would silently keep its default."""
    known_names = sorted({*known, *OTHER_RPA_NAMES})
    warnings = []
    for name in dict.fromkeys(n.upper() for n in names):
        if not name.startswith("RPA_") or name in known_names or name.startswith(OTHER_RPA_PREFIXES):
            continue
        if meant := difflib.get_close_matches(name, known_names, n=1, cutoff=MISSPELT):
            raise ConfigError(f"设置无效：{name} 不是已知的设置，是不是 {meant[0]}？拼错的设置不会生效："
                              "请改正后再运行（不需要时删去）")
        close = difflib.get_close_matches(name, known_names, n=1, cutoff=0.6)
        hint = f"，是否想写 {close[0]}？" if close else "，已忽略"
        warnings.append(f"警告：未知设置 {name}{hint}")
    return warnings


_TYPE_TEXT: Mapping[str, str] = {
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "json_invalid": "不是有效的 JSON",
    "list_type": "应为 JSON 列表",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "missing": "缺少必填项",
    "extra_forbidden": "不是已知的设置项",
    "string_pattern_mismatch": "格式不对",
    "url_parsing": "不是有效的网址",
    "path_type": "应为路径",
    "finite_number": "应为有限的数字（不能是 nan 或 inf）",
    "string_type": "应为文字（JSON 中加引号）",
}


def setting_name(loc: Sequence[Any]) -> str:
    """`('ams_operators', 0, 'code')` -> `RPA_AMS_OPERATORS（第1项 code）`."""
    if not loc:
        return "设置"
    name = f"RPA_{str(loc[0]).upper()}"
    rest = [f"第{p + 1}项" if isinstance(p, int) else str(p) for p in loc[1:]]
    return f"{name}（{' '.join(rest)}）" if rest else name


_NAME_LIKE = re.compile(r"\^\[A-Za-z0-9\]\[A-Za-z0-9_\.-\]\{0,(\d+)\}\$")


def _not_finite(value: Any) -> bool:
    """nan or inf, given as a number or as the environment's text."""
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _reason(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than") and _not_finite(
        error.get("input")
    ):  # tester Y: nan read as 「应不小于 0」
        return _TYPE_TEXT["finite_number"]
    if kind == "string_pattern_mismatch" and (name := _NAME_LIKE.fullmatch(str(ctx.get("pattern", "")))):
        return (f"格式不对：应为 1 至 {int(name.group(1)) + 1} 个字母、数字、_ . -，"
                "以字母或数字开头（不能为空，不能有空格或中文）")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        limit = f"{limit:g}" if isinstance(limit, float) else limit
        return f"应{'不小于' if kind == 'greater_than_equal' else '大于'} {limit}"
    if kind in ("less_than_equal", "less_than"):
        return f"应不大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return f"只能是 {str(ctx.get('expected', '')).replace(' or ', ' 或 ')}"
    return _TYPE_TEXT.get(kind, str(error.get("msg", kind)))


def describe_validation_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """Pydantic's errors as one Chinese line naming each setting (never its value)."""
    reasons = [(setting_name(e.get("loc", ())), _reason(e)) for e in errors[:4]]
    more = f"（另有 {len(errors) - 4} 处）" if len(errors) > 4 else ""
    advice = "" if all("请" in r for _, r in reasons) else "。请改正环境变量或 .env 后重试"
    return "设置无效：" + "；".join(f"{n} {r}" for n, r in reasons) + more + advice


def describe_settings_error(message: str) -> str:
    """pydantic-settings' `SettingsError` (a value that is not JSON) in Chinese."""
    match = re.search(r'field "([a-z_]+)"', message)
    name = f"RPA_{match.group(1).upper()}" if match else "某个设置"
    operators = match is not None and "operators" in match.group(1)
    example = '，例如 [{"code": "A10001", "password": "..."}]' if operators else ""
    return f"设置 {name} 不是有效的 JSON：请写成 JSON 列表或对象{example}"


def check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("不是已知的时区：请写 IANA 时区名，例如 Asia/Shanghai") from None
    return value


def check_folder(value: Path) -> Path:
    if value.exists() and not value.is_dir():
        raise ValueError(f"{value} 是文件而不是文件夹：请改为一个文件夹的路径")
    return value


def check_file(value: Path) -> Path:
    if value.exists() and not value.is_file():
        raise ValueError(f"{value} 不是普通文件：请改为一个 YAML 文件的路径")
    return value


def check_named_calendar(value: Path) -> Path:
    """A calendar named by RPA_CALENDAR_FILE must exist (only the default one, calendar.yaml in
    the configuration home, may be missing: then chinesecalendar's own holidays are used)."""
    if not value.exists() and value != configuration_home() / "calendar.yaml":
        raise ValueError(f"{value} 不存在：请改为工作日历文件的路径，或删去该设置以使用默认的 calendar.yaml")
    return check_file(value)


def cannot_create(path: Path) -> str | None:
    """Why nothing can be created at `path` (a missing file or folder), None when it can: the
    nearest folder that exists must be one, and a probe folder made in it (and removed)."""
    import tempfile

    nearest = next((p for p in path.absolute().parents if os.path.lexists(p)), Path("/"))
    if not nearest.is_dir():
        return f"路径中的 {nearest} 不是文件夹"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".rpa-probe-", dir=nearest))
    except OSError as exc:
        return f"不能在 {nearest} 中创建：{exc.strerror or type(exc).__name__}"
    return None


def check_writable_folder(value: Path | None) -> Path | None:
    """A folder the program writes into (runs, logs): a folder, or one it can create."""
    if value is None:
        return value
    if value.exists():
        return check_folder(value)
    reason = cannot_create(value)
    if reason:
        raise ValueError(f"无法创建文件夹 {value}（{reason}）：请改为可写的文件夹路径")
    return value


def check_writable_file(value: Path | None) -> Path | None:
    """A file the program reads or creates (the audit key, the ledger copy)."""
    if value is None:
        return value
    if value.exists():
        if not value.is_file():
            raise ValueError(f"{value} 不是普通文件：请改为一个文件的路径")
        return value
    reason = cannot_create(value)
    if reason:
        raise ValueError(f"无法创建文件 {value}（{reason}）：请改为可写位置上的文件路径")
    return value


ALWAYS = "always"
DEFAULT_AMS_SERVICE_WINDOW = "08:30-17:00"
_WINDOW = re.compile(r"^(\d{2}:\d{2}(?::\d{2})?)-(\d{2}:\d{2}(?::\d{2})?)$")


def parse_window(value: str) -> tuple[time, time] | None:
    """(start, end) of a window setting, None for `always`; ValueError saying what is wrong."""
    text = value.strip()
    if text.lower() == ALWAYS:
        return None
    found = _WINDOW.match(text)
    if found is None:
        raise ValueError('请写成 "HH:MM-HH:MM"（可带秒："HH:MM:SS"），或 "always"（不限时段）')
    try:
        start, end = (time.fromisoformat(part) for part in found.groups())
    except ValueError:
        raise ValueError(f"{text!r} 不是一天中的时刻") from None
    if end <= start:
        raise ValueError("时段的结束须晚于开始（同一天内）")
    return start, end
