"""Hand-made test data for the enterprise registration check: credit codes whose check character
is computed here (GB 32100-2015, as DOMAIN.md states it, not by the code under test), and
exports written with DOMAIN.md's headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资金(万元)", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]  # fmt: skip


def uscc(first17: str) -> str:
    """A 统一社会信用代码 from its first 17 characters and the GB 32100 check character."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return first17 + ALPHABET[(31 - total % 31) % 31]


def open_row(account: str, name: str, code: str, legal_rep: str, day: str = "2026-11-26") -> list[Any]:
    """A 开户 of a basic account at DOMAIN.md's sample bank, with DOMAIN.md's sample ID number."""
    return ["开户", account, "基本存款账户", day, name, "01", code, "法定代表人", legal_rep, "居民身份证",
            "11010519491231002X", "北京市朝阳区建国路88号", "500", "技术开发", "102100099996",
            "", "", "", "", "310001"]


def write_export(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户清单"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def refused_before_filing(tmp_path: Path, path: Path, said: str) -> None:
    """`rpa validate` and `rpa run account-filing` both exit 2 on `path` saying `said`, with no
    traceback, and no run writes a result: the file was refused before anything was filed."""
    from tests.e2e.cli_helpers import make_cli_env

    cli = make_cli_env(tmp_path, RPA_AMS_OPERATORS='[{"code": "OP0001", "password": "Ams0001!"}]',
                       RPA_AMS_URL="http://127.0.0.1:9/ams")
    for command in (("validate", "account-filing", str(path), "--today", "2026-11-27"),
                    ("run", "account-filing", "--input", str(path))):
        refused = cli.run(*command)
        assert refused.returncode == 2, (command, refused.stdout, refused.stderr)
        assert said in refused.stderr and "Traceback" not in refused.stderr
    assert not list(cli.runs.glob("*/result.xlsx"))  # nothing was worked
