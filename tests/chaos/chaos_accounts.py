"""The chaos suite's core-banking export, written from DOMAIN.md's rules by this module alone.

Valid rows are 开户 of 基本存款账户 for enterprises (存款人类别 01) whose 统一社会信用代码 and
居民身份证 numbers carry check digits computed here (GB 32100 with its GB 11714 organisation
code, GB 11643), not by the project's validator or fixture generators; a few invalid rows follow
(wrong check digits, a letter in the account number, a missing name), each of which the flow
must refuse and never submit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
BANK_CODE = "102100099996"  # DOMAIN.md's public sample (MOD 11,10 fits it)
OPENED = "2026-11-20"
HEADERS = (
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资金(万元)",
    "经营范围", "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
)  # fmt: skip


def org_code(serial: int) -> str:
    """A GB 11714 organisation code: 8 digits and the check (11 − Σ mod 11; 10 → X, 11 → 0)."""
    body = f"{serial:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def uscc(serial: int) -> str:
    """A GB 32100 code: 91 (enterprise), region 110108, the organisation code, the check."""
    body = "91" + "110108" + org_code(serial)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


def resident_id(serial: int) -> str:
    """A GB 11643 居民身份证 number born in 1970–1997 (a real date), with its MOD 11-2 check."""
    year, day = 1970 + serial % 28, 1 + serial % 28
    body = f"110105{year}{1 + serial % 12:02d}{day:02d}{serial % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, RIC_WEIGHTS, strict=True)) % 11]


def account_no(serial: int) -> str:
    return f"31019{serial:014d}"


def _row(serial: int) -> list[object]:
    return [
        "开户", account_no(serial), "基本存款账户", OPENED, f"江南第{serial}号商贸有限公司", "01",
        uscc(serial), "法定代表人", "王建华", "居民身份证", resident_id(serial),
        f"上海市黄浦区中山东一路{serial % 200 + 1}号", 100, "日用百货销售；货物进出口。", BANK_CODE,
        None, None, None, None, "311050",
    ]  # fmt: skip


@dataclass(frozen=True)
class ChaosInput:
    path: Path
    valid_accounts: list[str]  # in sheet order
    invalid_accounts: list[str]

    @property
    def rows(self) -> int:
        return len(self.valid_accounts) + len(self.invalid_accounts)


def write_accounts(target: Path, valid: int) -> ChaosInput:
    """`valid` fileable rows, then five invalid ones, one sheet with the header on row 1."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开销户明细"
    sheet.append(HEADERS)
    accounts = []
    for serial in range(1, valid + 1):
        sheet.append(_row(serial))
        accounts.append(account_no(serial))
    bad: list[list[object]] = []
    for offset in range(5):
        row = _row(valid + 1 + offset)
        bad.append(row)
    bad[0][6] = str(bad[0][6])[:-1] + ("0" if str(bad[0][6])[-1] != "0" else "1")  # USCC check digit
    bad[1][10] = str(bad[1][10])[:-1] + ("0" if str(bad[1][10])[-1] != "0" else "1")  # ID check digit
    bad[2][1] = str(bad[2][1])[:6] + "A" + str(bad[2][1])[7:]  # a letter in the account number
    bad[3][8] = None  # 法定代表人姓名 missing
    bad[4][5] = "99"  # no such 存款人类别
    for row in bad:
        sheet.append(row)
    book.save(target)
    return ChaosInput(target, accounts, [str(row[1]) for row in bad])
