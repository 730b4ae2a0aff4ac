"""The bad inputs and settings a new user tries, each with the exit code and the piece of the
Chinese message `rpa` must answer with. Files are written at test time (no binaries checked in).

A case is a command line, extra environment, and a `setup` that writes what the case needs into
its own folder; `{dir}` in the arguments and environment is replaced with that folder.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from tests.badinput import build

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    exit_code: int
    fragment: str  # must appear in stderr or stdout, after {dir} is filled in
    env: dict[str, str] = field(default_factory=dict)
    setup: Setup | None = None


SERVE_ANY_PORTS = ("portals", "serve", "--ams-port", "0", "--reports-port", "0", "--check-port", "0")

def _write(name: str, data: bytes | str) -> Setup:
    def setup(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    return setup


def _all(*steps: Setup) -> Setup:
    def setup(folder: Path) -> None:
        for step in steps:
            step(folder)

    return setup


def _fifo(name: str) -> Setup:
    return lambda folder: os.mkfifo(folder / name)


def _folder(name: str) -> Setup:
    return lambda folder: (folder / name).mkdir(parents=True, exist_ok=True)


def _config_copy(edit: Callable[[Path], object]) -> Setup:
    """A copy of the project's config/ under {dir}/config, then `edit(config_folder)`."""

    def setup(folder: Path) -> None:
        source = Path(__file__).resolve().parents[2] / "config"
        target = folder / "config"
        for path in source.rglob("*"):
            if path.is_file():
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(path.read_bytes())
        edit(target)

    return setup


def _selectors_copy(name: str, old: str, new: str) -> Setup:
    """A copy of the project's selectors/ under {dir}/selectors, `old` replaced in file `name`."""

    def setup(folder: Path) -> None:
        source = Path(__file__).resolve().parents[2] / "selectors"
        target = folder / "selectors"
        target.mkdir(parents=True, exist_ok=True)
        for path in source.glob("*.yaml"):
            (target / path.name).write_bytes(path.read_bytes())
        _edit(target / name, old, new)

    return setup


def _replace_with_folder(config: Path) -> None:
    (config / "header_aliases.yaml").unlink()
    (config / "header_aliases.yaml").mkdir()


def _encrypted_member_zip() -> bytes:
    """A zip whose workbook member claims to be encrypted (general purpose flag bit 0)."""
    data = bytearray(build.good_xlsx())
    with zipfile.ZipFile(__import__("io").BytesIO(bytes(data))) as archive:
        infos = archive.infolist()
    for info in infos:
        # local header flag at offset 6, central directory flag at offset 8 of its record
        data[info.header_offset + 6] |= 0x1
    central = data.find(b"PK\x01\x02")
    while central != -1:
        data[central + 8] |= 0x1
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def _bomb_xlsx(member_mb: int) -> bytes:
    parts = build.xlsx_parts()
    parts["xl/media/padding.bin"] = bytes(member_mb * 1024 * 1024)
    return build.zip_parts(parts)


def _noise_xlsx(member_mb: int) -> bytes:
    """A workbook whose extra member does not compress: big unzipped, ordinary ratio."""
    parts = build.xlsx_parts()
    parts["xl/media/photo.bin"] = os.urandom(member_mb * 1024 * 1024)
    return build.zip_parts(parts, stored=True)


GOOD_XLSX = build.good_xlsx()
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
ENTITIES = (
    b'?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)
BOMB_YAML = "\n".join(
    [
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
        *(
            f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]"
            for prev, name in zip("abcdefg", "bcdefgh", strict=True)
        ),
        "jobs:",
        "  - id: bomb",
        "    flow: smoke",
        "    cron: '0 8 * * *'",
        "    params: {items: *h}",
    ]
)


def _two_row_header_xlsx(name: str) -> Setup:
    """build.HEADER with 法定代表人 merged over 类别 and 姓名 (I1:J1), the sub-headers in row 2."""

    def setup(folder: Path) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        role = build.HEADER.index("法定代表人类别")
        top: list[str | None] = ["法定代表人" if h.startswith("法定代表人") else h for h in build.HEADER]
        top[role + 1] = None
        sheet.append(top)
        sheet.append([{role: "类别", role + 1: "姓名"}.get(i) for i in range(len(build.HEADER))])
        sheet.merge_cells(start_row=1, start_column=role + 1, end_row=1, end_column=role + 2)
        for values in build.ROWS:
            sheet.append(values)
        book.save(folder / name)

    return setup


def validate(name: str, *extra: str) -> tuple[str, ...]:
    return ("validate", "account-filing", f"{{dir}}/{name}", "--today", "2026-11-27", *extra)


def _validate_cases() -> list[Case]:
    xlsx = [
        ("empty_xlsx", b"", "不是有效的 .xlsx"),
        ("html_as_xlsx", b"<html><body>session expired</body></html>", "不是有效的 .xlsx"),
        ("random_bytes_xlsx", bytes(range(256)) * 8, "不是有效的 .xlsx"),
        ("truncated_zip", GOOD_XLSX[: len(GOOD_XLSX) // 2], "压缩包已损坏"),
        ("zip_without_workbook", build.zip_parts({"hello.txt": b"hi"}), "缺少"),
        ("encrypted_ole", build.ole_container(encrypted=True), "已加密"),
        ("old_xls_named_xlsx", build.ole_container(encrypted=False), ".xls"),
        ("encrypted_zip_member", _encrypted_member_zip(), "已加密"),
        ("zip_bomb_member", _bomb_xlsx(40), "压缩比"),
        ("corrupt_deflate", build.corrupt_deflate(GOOD_XLSX), "损坏"),
        (
            "shared_string_index",
            build.edited_xlsx(SHEET, lambda d: d.replace(b"<v>3</v>", b"<v>999</v>", 1)),
            "损坏",
        ),
        ("truncated_sheet_xml", build.edited_xlsx(SHEET, lambda d: d[: len(d) // 2]), "损坏"),
        ("truncated_strings_xml", build.edited_xlsx(STRINGS, lambda d: d[:-30]), "损坏"),
        ("truncated_workbook_xml", build.edited_xlsx("xl/workbook.xml", lambda d: d[:-30]), "损坏"),
        ("truncated_styles_xml", build.edited_xlsx("xl/styles.xml", lambda d: d[:-30]), "损坏"),
        (
            "entity_expansion",
            build.edited_xlsx(STRINGS, lambda d: d.replace(b"?>", ENTITIES, 1).replace(b"<t>", b"<t>&c;", 1)),
            "损坏",
        ),
        (
            "not_utf8_xml",
            build.edited_xlsx(STRINGS, lambda d: d.replace("开户".encode(), b"\xff\xfe", 1)),
            "损坏",
        ),
        (
            "workbook_without_sheets",
            build.edited_xlsx(
                "xl/workbook.xml",
                lambda d: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d),
            ),
            "bad",
        ),
    ]
    cases = [
        Case(
            f"validate_{name}",
            validate(f"{name}.xlsx"),
            2,
            fragment if fragment != "bad" else f"{name}.xlsx",
            setup=_write(f"{name}.xlsx", data),
        )
        for name, data, fragment in xlsx
    ]
    cases += [
        Case("validate_missing_file", validate("absent.xlsx"), 2, "找不到输入文件 absent.xlsx"),
        Case("validate_folder", validate("export.xlsx"), 2, "是文件夹", setup=_folder("export.xlsx")),
        Case("validate_fifo_csv", validate("pipe.csv"), 2, "不是普通文件", setup=_fifo("pipe.csv")),
        Case("validate_fifo_xlsx", validate("pipe.xlsx"), 2, "不是普通文件", setup=_fifo("pipe.xlsx")),
        Case("validate_device", ("validate", "account-filing", "/dev/zero"), 2, "不是普通文件"),
        Case("validate_old_xls_suffix", validate("old.xls"), 2, ".xls", setup=_write("old.xls", b"\0" * 64)),
        Case(
            "validate_pdf_suffix",
            validate("export.pdf"),
            2,
            "export.pdf",
            setup=_write("export.pdf", b"%PDF-1.4\n"),
        ),
        Case(
            "validate_markup_in_name",
            validate("[red]导出[bold].xlsx"),
            2,
            "[red]导出[bold].xlsx",
            setup=_write("[red]导出[bold].xlsx", b"not a zip"),
        ),
        Case("validate_markup_missing", validate("[bold"), 2, "[bold"),
        Case(
            "validate_today_not_a_date",
            (*validate("good.xlsx")[:-2], "--today", "tomorrow"),
            2,
            "--today",
            setup=_write("good.xlsx", GOOD_XLSX),
        ),
        Case(
            "validate_today_impossible",
            (*validate("good.xlsx")[:-2], "--today", "2026-02-30"),
            2,
            "YYYY-MM-DD",
            setup=_write("good.xlsx", GOOD_XLSX),
        ),
        Case(
            "validate_sheet_absent",
            validate("good.xlsx", "--sheet", "不存在"),
            2,
            "不存在",
            setup=_write("good.xlsx", GOOD_XLSX),
        ),
        Case(
            "validate_csv_binary",
            validate("export.csv"),
            2,
            "export.csv",
            setup=_write("export.csv", bytes(range(256)) * 4),
        ),
        Case("validate_csv_empty", validate("export.csv"), 2, "export.csv", setup=_write("export.csv", b"")),
        Case(
            "validate_csv_no_header",
            validate("export.csv"),
            2,
            "表头",
            setup=_write("export.csv", "甲,乙,丙\n1,2,3\n"),
        ),
        Case(
            "validate_two_row_header",
            validate("two_rows.xlsx"),
            2,
            "「法定代表人」（I1:J1，跨2列）是合并单元格",
            setup=_two_row_header_xlsx("two_rows.xlsx"),
        ),
        Case(
            "validate_good_xlsx_reads",
            validate("good.xlsx"),
            1,
            "第3行",
            setup=_write("good.xlsx", GOOD_XLSX),
        ),
        Case(
            "validate_good_csv_reads",
            validate("good.csv"),
            1,
            "第3行",
            setup=_write("good.csv", build.good_csv()),
        ),
    ]
    return cases


def _limit_cases() -> list[Case]:
    return [
        Case(
            "limit_unzipped_size",
            validate("big.xlsx"),
            2,
            "RPA_INPUT_MAX_UNZIPPED_MB",
            env={"RPA_INPUT_MAX_UNZIPPED_MB": "1"},
            setup=_write("big.xlsx", _noise_xlsx(2)),
        ),
        Case(
            "limit_ratio_setting_too_small",
            ("runs", "list"),
            2,
            "RPA_INPUT_MAX_ZIP_RATIO",
            env={"RPA_INPUT_MAX_ZIP_RATIO": "1"},
        ),
    ]


def _settings_cases() -> list[Case]:
    listing = ("runs", "list")
    bad = [
        ("workers_zero", {"RPA_WORKERS": "0"}, "RPA_WORKERS"),
        ("workers_negative", {"RPA_WORKERS": "-1"}, "RPA_WORKERS"),
        ("workers_text", {"RPA_WORKERS": "two"}, "RPA_WORKERS"),
        ("timezone_unknown", {"RPA_TIMEZONE": "Mars/Olympus"}, "RPA_TIMEZONE"),
        ("operators_not_json", {"RPA_AMS_OPERATORS": "A10001:secret"}, "RPA_AMS_OPERATORS"),
        ("operators_without_password", {"RPA_AMS_OPERATORS": '[{"code": "A10001"}]'}, "RPA_AMS_OPERATORS"),
        ("operators_object_not_list", {"RPA_REPORTS_OPERATORS": '{"code": "R1"}'}, "RPA_REPORTS_OPERATORS"),
        ("database_url_garbage", {"RPA_DATABASE_URL": "not a url"}, "RPA_DATABASE_URL"),
        ("database_url_unknown_dialect", {"RPA_DATABASE_URL": "oracle9://x@y/z"}, "RPA_DATABASE_URL"),
        ("headless_maybe", {"RPA_HEADLESS": "maybe"}, "RPA_HEADLESS"),
        ("trace_items_unknown", {"RPA_TRACE_ITEMS": "sometimes"}, "RPA_TRACE_ITEMS"),
        ("lease_seconds_text", {"RPA_LEASE_SECONDS": "a minute"}, "RPA_LEASE_SECONDS"),
        ("portal_id_bad", {"RPA_AMS_PORTAL_ID": "生产 环境"}, "RPA_AMS_PORTAL_ID"),
        ("home_missing", {"RPA_HOME": "{dir}/nowhere"}, "RPA_HOME"),
        ("markup_in_setting", {"RPA_TIMEZONE": "[/]"}, "RPA_TIMEZONE"),
    ]
    cases = [Case(f"settings_{name}", listing, 2, fragment, env=env) for name, env, fragment in bad]
    cases += [
        Case(
            "settings_runs_dir_is_file",
            listing,
            2,
            "RPA_RUNS_DIR",
            env={"RPA_RUNS_DIR": "{dir}/runs.txt"},
            setup=_write("runs.txt", "x"),
        ),
        # a setting that breaks every run or the daemon stops the command before it starts (K6)
        Case("settings_max_attempts_zero", ("schedule", "list"), 2, "RPA_MAX_ATTEMPTS",
             env={"RPA_MAX_ATTEMPTS": "0"}),
        Case("settings_runs_dir_unreachable", listing, 2, "RPA_RUNS_DIR",
             env={"RPA_RUNS_DIR": "/proc/nonexistent/runs"}),
        Case("settings_runs_dir_unreachable_schedule", ("schedule", "list"), 2, "RPA_RUNS_DIR",
             env={"RPA_RUNS_DIR": "/proc/nonexistent/runs"}),
        Case("settings_log_dir_is_file", ("schedule", "run"), 2, "RPA_LOG_DIR",
             env={"RPA_LOG_DIR": "{dir}/log.txt"}, setup=_write("log.txt", "x")),
        Case("settings_log_dir_unreachable", ("schedule", "run"), 2, "RPA_LOG_DIR",
             env={"RPA_LOG_DIR": "/proc/nonexistent"}),
        Case("settings_audit_key_unreachable", ("run", "report-extraction", "--date", "2026-12-02"),
             2, "RPA_AUDIT_KEY_FILE", env={"RPA_AUDIT_KEY_FILE": "/proc/nonexistent/audit.key"}),
        Case("settings_lease_nan", ("run", "report-extraction", "--date", "2026-12-02"), 2,
             "RPA_LEASE_SECONDS 应为有限的数字", env={"RPA_LEASE_SECONDS": "nan"}),
        Case("settings_operator_wait_nan", listing, 2, "RPA_OPERATOR_WAIT_SECONDS 应为有限的数字",
             env={"RPA_OPERATOR_WAIT_SECONDS": "nan"}),  # tester Y: said as 应不小于 0
        Case("settings_host_id_blank", listing, 2, "RPA_HOST_ID 格式不对：应为 1 至 63 个字母",
             env={"RPA_HOST_ID": ""}),
        Case("settings_block_resources_misspelt", listing, 2, "RPA_BLOCK_RESOURCES（第1项） 只能是",
             env={"RPA_BLOCK_RESOURCES": '["imag"]'}),  # tester Y: blocked nothing, said nothing
        Case("calendar_year_twice", ("schedule", "list"), 2, "第6行的键「2026」在第2行已写过",
             env={"RPA_CALENDAR_FILE": "{dir}/calendar.yaml"},  # tester AB: the first 2026 was dropped
             setup=_write("calendar.yaml", "years:\n  2026:\n    holidays:\n"
                          "      - {name: 本行自定, from: 2026-12-07, to: 2026-12-07}\n"
                          "    workdays: []\n  2026:\n    holidays: []\n")),
        Case("settings_calendar_missing", ("schedule", "list"), 2, "RPA_CALENDAR_FILE",
             env={"RPA_CALENDAR_FILE": "{dir}/nowhere/calendar.yaml"}),
        Case(
            "settings_calendar_is_folder",
            ("schedule", "list"),
            2,
            "RPA_CALENDAR_FILE",
            env={"RPA_CALENDAR_FILE": "{dir}/cal"},
            setup=_folder("cal"),
        ),
        Case(
            "settings_config_dir_is_file",
            validate("good.xlsx"),
            2,
            "RPA_CONFIG_DIR",
            env={"RPA_CONFIG_DIR": "{dir}/good.xlsx"},
            setup=_write("good.xlsx", GOOD_XLSX),
        ),
        Case(
            "settings_env_not_utf8",
            listing,
            2,
            ".env 第2行",
            env={"RPA_HOME": "{dir}"},
            setup=_write(".env", b"RPA_WORKERS=2\nRPA_TIMEZONE=\xc9\xcf\xba\xa3\n"),
        ),
        Case(
            "settings_env_unrelated_key",
            listing,
            0,
            "没有运行记录",
            env={"RPA_HOME": "{dir}"},
            setup=_write(".env", "RPA_WORKERS=2\nJAVA_HOME=/usr/lib/jvm\n"),
        ),
        # one slip from a setting: that setting would keep its default, so it is refused
        Case("settings_misspelt_rpa_name", listing, 2, "是不是 RPA_WORKERS", env={"RPA_WORKRS": "4"}),
        Case(
            "settings_misspelt_rpa_name_in_env_file",
            listing,
            2,
            "是不是 RPA_TIMEZONE",
            env={"RPA_HOME": "{dir}"},
            setup=_write(".env", "RPA_TIMEZON=Asia/Shanghai\n"),
        ),
        Case("settings_unknown_rpa_name", listing, 0, "是否想写 RPA_TIMEZONE", env={"RPA_ZONE": "x"}),
        # tester AC's N8: a setting on two lines of .env took the later one without a word
        Case(
            "settings_env_file_sets_a_name_twice",
            listing,
            2,
            ".env 第1行和第3行都设了 RPA_WORKERS",
            env={"RPA_HOME": "{dir}"},
            setup=_write(".env", "RPA_WORKERS=2\nRPA_TIMEZONE=Asia/Shanghai\nexport RPA_WORKERS=8\n"),
        ),
        Case(
            "settings_env_file_is_folder",
            listing,
            2,
            ".env",
            env={"RPA_HOME": "{dir}"},
            setup=_folder(".env"),
        ),
        Case("audit_verify_new_database", ("audit", "verify", "--all"), 2, "审计记录"),
        Case(
            "audit_verify_unreachable_database",
            ("audit", "verify", "--all"),
            2,
            "RPA_DATABASE_URL",
            env={"RPA_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"},
        ),
        Case("runs_show_unknown", ("runs", "show", "[red]nope"), 2, "[red]nope"),
    ]
    return cases


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _config_cases() -> list[Case]:
    def aliases(edit: Callable[[Path], object]) -> Setup:
        return _all(_write("good.xlsx", GOOD_XLSX), _config_copy(edit))

    env = {"RPA_CONFIG_DIR": "{dir}/config"}
    twice = "的键「{}」在第{}行已写过，后写的会盖过先写的"
    return [
        # tester AB: a key given twice was taken, the later value winning without a word
        Case("config_aliases_key_twice", validate("good.xlsx"), 2, twice.format("unit", 71), env=env,
             setup=aliases(lambda c: _edit(c / "header_aliases.yaml", "    unit: 万元\n",
                                   "    unit: 万元\n    unit: 元\n"))),
        Case("config_deadlines_key_twice", validate("good.xlsx"), 2, "的键「working_days」在第",
             env=env, setup=aliases(lambda c: _edit(c / "deadlines.yaml", "    working_days: 5\n",
                                            "    working_days: 5\n    working_days: 55\n"))),
        Case("config_deadlines_rule_unreachable", validate("good.xlsx"), 2, "第5条规则", env=env,
             setup=aliases(lambda c: _edit(c / "deadlines.yaml", "\napproval:",
                                   "\n  - {kinds: [general], actions: [open], working_days: 2,"
                                   " counts_from: business_date}\napproval:"))),
        Case("config_deadlines_rule_half_used", validate("good.xlsx"), 2,  # tester AC
             "第2条规则中的 basic open 永远用不上", env=env,
             setup=aliases(lambda c: _edit(c / "deadlines.yaml", "  - kinds: [general, special]\n",
                                           "  - {kinds: [basic, general], actions: [open], working_days: 3}\n"
                                           "  - kinds: [general, special]\n"))),
        Case("config_ams_messages_key_twice", ("doctor",), 2, "ams_messages.yaml", env=env,
             setup=aliases(lambda c: _edit(c / "ams_messages.yaml", "kind: batch_window,",
                                   "kind: batch_window, kind: retry,"))),
        Case(
            "config_aliases_not_utf8",
            validate("good.xlsx"),
            2,
            "header_aliases.yaml",
            env=env,
            setup=aliases(
                lambda c: (c / "header_aliases.yaml").write_bytes(
                    (c / "header_aliases.yaml").read_text(encoding="utf-8").encode("gbk")
                )
            ),
        ),
        Case(
            "config_aliases_is_folder",
            validate("good.xlsx"),
            2,
            "header_aliases.yaml",
            env=env,
            setup=aliases(_replace_with_folder),
        ),
        Case(  # a run hashes the files that shape it: a folder there was a traceback
            "run_config_aliases_is_folder",
            ("run", "account-filing", "--input", "{dir}/good.xlsx", "--dry-run"),
            2,
            "header_aliases.yaml",
            env={**env, "RPA_AMS_OPERATORS": '[{"code": "A10001", "password": "x"}]'},
            setup=aliases(_replace_with_folder),
        ),
        Case(
            "config_aliases_bad_yaml",
            validate("good.xlsx"),
            2,
            "第",
            env=env,
            setup=aliases(lambda c: (c / "header_aliases.yaml").write_text("fields: [unclosed\n  - x: {")),
        ),
        Case(
            "config_deadlines_empty",
            validate("good.xlsx"),
            2,
            "deadlines.yaml",
            env=env,
            setup=aliases(lambda c: (c / "deadlines.yaml").write_text("")),
        ),
        Case(  # a 核准 category AMS's export never writes: its rows would be filed, not held
            "config_deadlines_category_without_zero",
            validate("good.xlsx"),
            2,
            "approval.categories：'8' 不是存款人类别代码",
            env=env,
            setup=aliases(lambda c: _edit(c / "deadlines.yaml", '- "08"', '- "8"')),
        ),
        Case(
            "config_deadlines_negative_days",
            validate("good.xlsx"),
            2,
            "working_days：须不小于 0",
            env=env,
            setup=aliases(lambda c: _edit(c / "deadlines.yaml", "working_days: 2", "working_days: -3")),
        ),
        Case(
            "config_aliases_bomb",
            validate("good.xlsx"),
            2,
            "别名",
            env=env,
            setup=aliases(lambda c: (c / "header_aliases.yaml").write_text(BOMB_YAML)),
        ),
    ]


def _schedule_cases() -> list[Case]:
    env = {"RPA_SCHEDULES_FILE": "{dir}/schedules.yaml"}

    def schedules(data: bytes | str) -> Setup:
        return _write("schedules.yaml", data)

    return [
        Case(
            "schedule_not_utf8",
            ("schedule", "list"),
            2,
            "schedules.yaml 第2行",
            env=env,
            setup=schedules("jobs:\n  - id: 早班\n".encode("gbk")),
        ),
        Case("schedule_alias_bomb", ("schedule", "list"), 2, "别名", env=env, setup=schedules(BOMB_YAML)),
        *(Case(f"schedule_param_misspelt_{command}", (command, *more), 2,  # tester AB: found at the fire
               "params：不认识的参数 dates（可用：date", env=env,
               setup=schedules("jobs:\n  - id: fee-monthly\n    flow: report-extraction\n"
                               "    cron: {day: 2, hour: 8, minute: 0}\n    params: {dates: '{T-1}'}\n"))
          for command, more in (("schedule", ("list",)), ("doctor", ()))),
        Case("schedule_drop_param_misspelt", ("schedule", "list"), 2, "不认识的参数 inptu", env=env,
             setup=schedules("jobs:\n  - id: filing\n    flow: account-filing\n    cron: {minute: 0}\n"
                             "    drop_folder: {path: inbox, param: inptu}\n")),
        Case(
            "schedule_self_reference",
            ("schedule", "list"),
            2,
            "引用自身",
            env=env,
            setup=schedules("jobs:\n  - &job\n    id: loop\n    flow: smoke\n    params: {again: *job}\n"),
        ),
        Case(
            "schedule_bad_yaml",
            ("schedule", "list"),
            2,
            "schedules.yaml",
            env=env,
            setup=schedules("jobs:\n  - id: [unclosed\n"),
        ),
        Case(
            "schedule_is_folder",
            ("schedule", "list"),
            2,
            "RPA_SCHEDULES_FILE",
            env=env,
            setup=_folder("schedules.yaml"),
        ),
        Case(
            "schedule_fifo", ("schedule", "list"), 2, "schedules.yaml", env=env, setup=_fifo("schedules.yaml")
        ),
        Case(
            "calendar_not_utf8",
            ("schedule", "list"),
            2,
            "calendar.yaml",
            env={"RPA_CALENDAR_FILE": "{dir}/calendar.yaml"},
            setup=_write("calendar.yaml", "# 节假日\nholidays: []\n".encode("gbk")),
        ),
        Case(
            "calendar_alias_bomb",
            ("schedule", "list"),
            2,
            "calendar.yaml",
            env={"RPA_CALENDAR_FILE": "{dir}/calendar.yaml"},
            setup=_write("calendar.yaml", BOMB_YAML),
        ),
        Case("schedule_trigger_unknown_job", ("schedule", "trigger", "[/]"), 2, "[/]"),
        # a limit no age can pass would never fail (a tester's finding K9)
        *(Case(f"schedule_check_max_age_{name}", ("schedule", "check", "--max-age", value), 2, "--max-age")
          for name, value in (("nan", "nan"), ("inf", "inf"), ("zero", "0"), ("negative", "-5"))),
    ]


def _extract_cases() -> list[Case]:
    def extract(name: str, spec: str = "branch_daily") -> tuple[str, ...]:
        return ("extract", f"{{dir}}/{name}", "--spec", spec)

    pdf = build.pdf_with_text("branch daily")
    return [
        Case(
            "extract_html_as_xlsx",
            extract("report.xlsx"),
            2,
            "report.xlsx",
            setup=_write("report.xlsx", "<html>login</html>"),
        ),
        Case(
            "extract_corrupt_deflate",
            extract("report.xlsx"),
            2,
            "损坏",
            setup=_write("report.xlsx", build.corrupt_deflate(GOOD_XLSX)),
        ),
        Case(
            "extract_style_index",
            extract("report.xlsx"),
            2,
            "损坏",
            setup=_write(
                "report.xlsx", build.edited_xlsx(SHEET, lambda d: d.replace(b's="1"', b's="42"', 1))
            ),
        ),
        Case(
            "extract_entity_expansion",
            extract("report.xlsx"),
            2,
            "损坏",
            setup=_write(
                "report.xlsx",
                build.edited_xlsx(
                    STRINGS, lambda d: d.replace(b"?>", ENTITIES, 1).replace(b"<t>", b"<t>&c;", 1)
                ),
            ),
        ),
        Case(
            "extract_encrypted_xlsx",
            extract("report.xlsx"),
            2,
            "已加密",
            setup=_write("report.xlsx", build.ole_container(encrypted=True)),
        ),
        Case("extract_fifo", extract("report.xlsx"), 2, "不是普通文件", setup=_fifo("report.xlsx")),
        Case("extract_folder", extract("report.pdf"), 2, "是文件夹", setup=_folder("report.pdf")),
        Case(
            "extract_html_as_pdf",
            extract("report.pdf"),
            2,
            "不是 PDF",
            setup=_write("report.pdf", "<html>session expired</html>"),
        ),
        Case(
            "extract_truncated_pdf",
            extract("report.pdf"),
            2,
            "report.pdf",
            setup=_write("report.pdf", pdf[: len(pdf) // 3]),
        ),
        Case(
            "extract_encrypted_pdf",
            extract("report.pdf"),
            2,
            "report.pdf 已加密，请导出未加密的文件",
            setup=_write("report.pdf", build.pdf_with_text("x", password="s3cret")),
        ),
        Case(
            "extract_pdf_too_many_pages",
            extract("report.pdf"),
            2,
            "report.pdf 共 4 页，超过上限 3 页（RPA_INPUT_MAX_PDF_PAGES）",
            env={"RPA_INPUT_MAX_PDF_PAGES": "3"},
            setup=_write("report.pdf", build.pdf_pages(4)),
        ),
        Case(
            "extract_pdf_page_too_slow",
            extract("report.pdf"),
            2,
            "report.pdf，第1页：读取超过 1 秒仍未完成，已停止（RPA_INPUT_PDF_PAGE_SECONDS）",
            env={"RPA_INPUT_PDF_PAGE_SECONDS": "1"},
            setup=_write("report.pdf", build.dense_grid_pdf()),  # 14 s of work without the limit
        ),
        Case(
            "limit_pdf_page_seconds_zero",
            ("runs", "list"),
            2,
            "RPA_INPUT_PDF_PAGE_SECONDS",
            env={"RPA_INPUT_PDF_PAGE_SECONDS": "0"},
        ),
        Case(
            "extract_pdf_garbage_body",
            extract("report.pdf"),
            2,
            "report.pdf",
            setup=_write("report.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 16),
        ),
        Case(
            "extract_unknown_spec",
            extract("report.pdf", "no_such_spec"),
            2,
            "no_such_spec",
            setup=_write("report.pdf", pdf),
        ),
        Case(
            "extract_spec_path_escape",
            extract("report.pdf", "../secrets"),
            2,
            "../secrets",
            setup=_write("report.pdf", pdf),
        ),
        Case(
            "extract_spec_not_utf8",
            extract("report.pdf"),
            2,
            "branch_daily.yaml",
            env={"RPA_CONFIG_DIR": "{dir}/config"},
            setup=_all(
                _write("report.pdf", pdf),
                _config_copy(
                    lambda c: (c / "specs" / "branch_daily.yaml").write_bytes("名称: 日报\n".encode("gbk"))
                ),
            ),
        ),
        Case(
            "extract_spec_bomb",
            extract("report.pdf"),
            2,
            "别名",
            env={"RPA_CONFIG_DIR": "{dir}/config"},
            setup=_all(
                _write("report.pdf", pdf),
                _config_copy(lambda c: (c / "specs" / "branch_daily.yaml").write_text(BOMB_YAML)),
            ),
        ),
    ]


def _run_cases() -> list[Case]:
    return [
        Case(
            "run_filing_corrupt_input",
            ("run", "account-filing", "--input", "{dir}/export.xlsx"),
            2,
            "损坏",
            # operators configured: a run without any is refused before it reads its input
            env={"RPA_AMS_OPERATORS": '[{"code": "A10001", "password": "x"}]'},
            setup=_write("export.xlsx", build.corrupt_deflate(GOOD_XLSX)),
        ),
        Case(
            "run_filing_fifo_input",
            ("run", "account-filing", "--input", "{dir}/export.csv"),
            2,
            "不是普通文件",
            setup=_fifo("export.csv"),
        ),
        Case("run_filing_no_input", ("run", "account-filing"), 2, "--input"),
        Case(
            "run_filing_workers_zero",
            ("run", "account-filing", "--input", "{dir}/x.csv", "--workers", "0"),
            2,
            "--workers",
            setup=_write("x.csv", build.good_csv()),
        ),
        Case("run_extraction_bad_date", ("run", "report-extraction", "--date", "2026-13-01"), 2, "--date"),
        Case("run_extraction_text_date", ("run", "report-extraction", "--date", "昨天"), 2, "YYYY-MM-DD"),
        Case("run_extraction_future_date", ("run", "report-extraction", "--date", "2099-12-31"), 2,
             "报表日期 2099-12-31 在今天",
             env={"RPA_REPORTS_OPERATORS": '[{"code": "R1", "password": "x"}]'}),
        Case("run_extraction_resume_other_date",
             ("run", "report-extraction", "--resume", "20261203-073000-report-extraction-0a1b2c",
              "--date", "2026-11-27"), 2, "不能再给 --date"),
        Case("run_filing_resume_other_input",
             ("run", "account-filing", "--resume", "20261203-073000-account-filing-0a1b2c", "--input",
              "{dir}/x.csv"), 2, "不能再给 --input", setup=_write("x.csv", build.good_csv())),
        Case("run_reconciliation_resume_other_period",
             ("run", "account-reconciliation", "--resume", "20261203-173000-account-reconciliation-0a1b2c",
              "--from", "2026-11-01", "--to", "2026-11-30"), 2, "不能再给 --from、--to"),
        Case(
            "run_extraction_bad_spec_pair",
            ("run", "report-extraction", "--date", "2026-11-27", "--spec", "x"),
            2,
            "--spec",
        ),
        Case("run_smoke_items_zero", ("run", "smoke", "--items", "0"), 2, "--items"),
        Case("run_resume_unknown", ("run", "smoke", "--resume", "[/]nope"), 2, "[/]nope"),
    ]


COPIED_RUN = "20261127-083000-account-filing-9f3e21"


def _copied_run_folder() -> Setup:
    """A run folder copied from another host without its database, and without an exit code."""
    run = {"run_id": COPIED_RUN, "flow": "account-filing", "started_at": "2026-11-27T08:30:00+08:00"}
    return _write(f"runs/{COPIED_RUN}/run.json", json.dumps(run))


def _runs_cases() -> list[Case]:
    return [
        # tester Y: a day count of 20 digits was echoed masked as an account number
        # tester Y: answered about the audit chain (or the database) instead of the unknown run
        *(Case(f"approvals_{verb}_unknown_run", ("approvals", verb, "nosuchrun", "--checker", "bob", *more),
               2, "下没有运行 nosuchrun")
          for verb, more in (("approve", ()), ("reject", ("--rows", "3", "--reason", "x")))),
        # tester AC: a misspelt element of the report platform's file passed doctor and queued the run
        *(Case(f"report_selectors_element_misspelt_{name}", args, 2, "的页面 login 缺少元素 password",
               env={"RPA_SELECTORS_DIR": "{dir}/selectors",
                    "RPA_REPORTS_OPERATORS": '[{"code": "RP0001", "password": "x"}]'},
               setup=_selectors_copy("report_platform.yaml", "      password:", "      pasword:"))
          for name, args in (("doctor", ("doctor",)), ("run", ("run", "report-extraction", "--date",
                                                                  "2026-12-04", "--branches", "110101")))),
        Case("runs_prune_age_too_large", ("runs", "prune", "--older-than", "99999999999999999999d"), 2,
             "--older-than 的天数过大（20 位数）"),
        Case(
            "runs_show_copied_folder_without_database",
            ("runs", "show", COPIED_RUN),
            0,
            "已中断，可续跑",
            setup=_copied_run_folder(),
        ),
        Case(
            "runs_list_copied_folder_without_database",
            ("runs", "list"),
            0,
            "已中断，可续跑",
            setup=_copied_run_folder(),
        ),
    ]


def _doctor_cases() -> list[Case]:
    offline = {"RPA_AMS_URL": "http://127.0.0.1:9", "RPA_REPORTS_URL": "http://127.0.0.1:9"}
    broken = _config_copy(lambda c: (c / "header_aliases.yaml").write_text("fields: [\n"))
    return [
        Case(
            "doctor_prints_paths_from_rpa_home",
            ("doctor",),
            2,
            "{dir}/config",
            env={**offline, "RPA_HOME": "{dir}"},
            setup=_config_copy(lambda c: None),
        ),
        Case(
            "doctor_names_a_broken_config_file",
            ("doctor",),
            2,
            "✗ 表头别名",
            env={**offline, "RPA_CONFIG_DIR": "{dir}/config"},
            setup=broken,
        ),
        Case("doctor_names_the_unreachable_portal", ("doctor",), 2, "RPA_AMS_URL", env=offline),
        Case("doctor_names_the_unreachable_check_portal", ("doctor",), 2, "✗ 企业信息联网核查系统",
             env={**offline, "RPA_CHECK_URL": "http://127.0.0.1:9"}),
        Case("doctor_bad_lease", ("doctor",), 2, "RPA_LEASE_SECONDS", env={"RPA_LEASE_SECONDS": "-10"}),
        Case("doctor_bad_setting", ("doctor",), 2, "RPA_WORKERS", env={"RPA_WORKERS": "0"}),
        # tester T's U9: an unknown fault knob was a program error with a traceback
        Case("portals_unknown_fault", (*SERVE_ANY_PORTS, "--fault", "foo=1"), 2,
             "--fault foo=1：foo 不认识的字段"),
        Case("portals_fault_not_a_number", (*SERVE_ANY_PORTS, "--fault", "error_rate=abc"), 2,
             "error_rate 须是数字"),
        # tester Y: each a program error (OverflowError, OSError, FileNotFoundError)
        Case("portals_port_out_of_range", ("portals", "serve", "--ams-port", "99999"), 2,
             "--ams-port 99999 不是端口号"),
        Case("portals_port_twice", ("portals", "serve", "--ams-port", "9951", "--reports-port", "9951"), 2,
             "端口 9951 给了两个门户"),
        Case("portals_faults_file_missing", (*SERVE_ANY_PORTS, "--faults", "{dir}/nowhere.yaml"), 2,
             "nowhere.yaml：找不到这个文件"),
    ]


def _command_line_cases() -> list[Case]:
    """The command line itself: a value left out (the next flag must not become the value: a
    maker named `--approval` filed without a checker), an unknown option, a missing argument, a
    value of the wrong kind: each one Chinese line, exit 2."""
    export = _write("x.csv", build.good_csv())
    operators = {"RPA_AMS_OPERATORS": '[{"code": "A10001", "password": "x"}]'}
    filing = ("run", "account-filing", "--input", "{dir}/x.csv")
    return [
        Case("cli_maker_takes_approval", (*filing, "--maker", "--approval"),
             2, "--approval 是另一个选项", env=operators, setup=export),
        Case("cli_maker_takes_dry_run", (*filing, "--maker", "--dry-run"),
             2, "--dry-run 是另一个选项", env=operators, setup=export),
        Case("cli_sheet_takes_json", ("validate", "account-filing", "{dir}/x.csv", "--sheet", "--json"),
             2, "--json 是另一个选项", setup=export),
        Case("cli_resume_by_folder_path", ("run", "account-filing", "--resume", f"{{dir}}/runs/{COPIED_RUN}"),
             2, f"是路径，不是运行编号：续跑、查看和处理运行都用运行文件夹的名字：请改用 {COPIED_RUN}",
             env=operators, setup=_copied_run_folder()),
        # a broken alerts.yaml would be found only when a night's alert had to go out
        Case("run_with_broken_alerts_file", (*filing, "--dry-run"), 2, "告警配置有误，运行未开始",
             env={**operators, "RPA_ALERTS_FILE": "{dir}/alerts.yaml"},
             setup=_all(export, _write("alerts.yaml", "channels: [\n"))),
        Case("schedule_daemon_with_broken_alerts_file", ("schedule", "run"), 2, "alerts.yaml",
             env={"RPA_ALERTS_FILE": "{dir}/alerts.yaml", "RPA_LOG_DIR": "{dir}/logs"},
             setup=_write("alerts.yaml", "webhook:\n  url: im.example/robot\n")),
        # a CSV row whose values do not sit under the header: shifted or cut short
        Case("csv_row_with_an_unquoted_comma", validate("x.csv"), 2, "比表头的",
             setup=_write("x.csv", build.csv_with_row(build.shifted_row()))),
        Case("csv_row_cut_short", validate("x.csv"), 2, "这一行可能被截断",
             setup=_write("x.csv", build.csv_with_row(build.shifted_row()[:8]))),
        Case("csv_cell_beyond_the_field_limit", validate("x.csv"), 2, "不是核心系统的导出",
             setup=_write("x.csv", build.csv_with_row(["开户", "9" * 140_000]))),
        Case("csv_with_a_sheet_named", validate("x.csv", "--sheet", "开户清单"), 2, "是 CSV 文件，没有工作表",
             setup=export),
        Case("cli_unknown_option", ("run", "account-filing", "--bogus"), 2, "没有这个选项：--bogus"),
        Case("cli_option_without_value", ("run", "account-filing", "--input"), 2, "--input 需要一个取值"),
        Case("cli_missing_argument", ("runs", "show"), 2, "缺少参数 RUN_ID"),
        # click's English came through whole once a Chinese file name was in it (No such command …)
        Case("cli_file_where_a_command_goes", ("validate", "{dir}/开户导出.csv"), 2,
             "没有这个命令：{dir}/开户导出.csv（这里的命令有：account-filing）"),
        Case("cli_command_misspelt", ("rnu",), 2, "没有这个命令：rnu（是不是 run？）"),
        Case("cli_file_with_a_quote_where_a_command_goes", ("validate", "it's.csv"), 2,
             "没有这个命令：it's.csv"),
        Case("cli_option_values_not_repeated",  # tester AB: said only 命令行写得不对
             ("run", "report-extraction", "--date", "2026-12-05", "--branches", "110101", "110102"), 2,
             "多出了参数 110102：一个选项要给几个值时，每个值前都写一次选项"),
        Case("cli_not_an_integer", ("run", "smoke", "--workers", "abc"), 2, "--workers 的取值不对：应为整数"),
        Case("cli_unknown_report_format", ("run", "report-extraction", "--date", "2026-11-20", "--format",
                                           "docx"),
             2, "报表格式 docx 不认识", env={"RPA_REPORTS_OPERATORS": '[{"code": "R1", "password": "x"}]'}),
    ]


def all_cases() -> list[Case]:
    return [
        *_command_line_cases(),
        *_doctor_cases(),
        *_runs_cases(),
        *_validate_cases(),
        *_limit_cases(),
        *_settings_cases(),
        *_config_cases(),
        *_schedule_cases(),
        *_extract_cases(),
        *_run_cases(),
    ]
