"""Validating a big export: `rpa validate account-filing` on 200,000 rows, beside the floors.

    .venv/bin/python benchmarks/validate_big.py               # 200,000 rows
    .venv/bin/python benchmarks/validate_big.py --rows 20000  # quicker

The export is made by this script's own generator (distinct enterprises opening general
accounts, check digits computed from DOMAIN.md) and cached in benchmarks/.cache/. Each contender
runs in a child process; its CPU seconds and peak RSS are that child's own (os.wait4):

- `floor (openpyxl)`: a bare openpyxl read-only, values-only loop over the same sheet (nothing
  checked): the reader `rpa validate` uses;
- `calamine (not used)`: the same loop with python-calamine (Rust), when it is installed
  (`pip install python-calamine`): measured as the alternative reader, not used by the project
  (it loads the whole sheet into memory; see benchmarks/README.md);
- `rpa validate --json`: `python -m rpa validate account-filing FILE --json > /dev/null`.

Validation is one process, so its wall time is at least its CPU time whatever the cores; the
`CPU ÷ cores` column is the bound work spread over every core could reach.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资金(万元)",
    "经营范围", "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "经办人",
]
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
FLOOR_SCRIPT = """
import sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
sheet = book.active
sheet.reset_dimensions()
n = sum(1 for _ in sheet.iter_rows(values_only=True))
book.close()
print(n)
"""


CALAMINE_SCRIPT = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
n = sum(1 for _ in book.get_sheet_by_index(0).iter_rows())
book.close()
print(n)
"""


def uscc(serial: int) -> str:
    """An 18-character code with valid organisation-code and GB 32100 check characters."""
    body = f"{serial:08d}"
    org_sum = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    org_check = (11 - org_sum % 11) % 11
    org = body + ("X" if org_check == 10 else str(org_check))
    first17 = "91110108" + org[:9]
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_CHARS[(31 - total % 31) % 31]


def resident_id(serial: int) -> str:
    born = date(1970, 1, 1) + timedelta(days=serial % 12000)
    first17 = f"110105{born:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def make_export(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("开户明细")
    sheet.append(HEADERS)
    opened = date(2026, 11, 2)
    for n in range(rows):
        sheet.append([
            "开户", f"6222{n:012d}", "一般存款账户", opened + timedelta(days=n % 20),
            f"北京第{n}号科技有限公司", "01", uscc(10_000_000 + n), "法定代表人", "张三",
            "居民身份证", resident_id(n), f"北京市海淀区中关村大街{n % 900 + 1}号",
            float(n % 5000), "软件开发；技术服务", "102100099996", f"J{1000000000000 + n:013d}",
            None, None, "GY0001",
        ])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def run_child(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one child process, from its own rusage."""
    start = time.perf_counter()
    with open(os.devnull, "w") as sink, tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(argv, cwd=ROOT, stdout=sink, stderr=errors)
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        if child.returncode not in (0, 1):
            errors.seek(0)
            said = errors.read()[-2000:].decode(errors="replace")
            sys.exit(f"{argv[:4]} exited {child.returncode}: {said}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    path = CACHE / f"export_{args.rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        make_export(path, args.rows)
        print(f"generated {path.name} in {time.perf_counter() - started:.0f} s")
    print(f"{args.rows} rows, {path.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} cores, "
          "each contender on one (a single process)")
    cores = os.cpu_count() or 1
    contenders = {"floor (openpyxl)": [sys.executable, "-c", FLOOR_SCRIPT, str(path)]}
    if importlib.util.find_spec("python_calamine") is not None:
        contenders["calamine (not used)"] = [sys.executable, "-c", CALAMINE_SCRIPT, str(path)]
    else:
        print("python-calamine not installed: its loop is left out")
    contenders["rpa validate --json"] = [
        sys.executable, "-m", "rpa", "validate", "account-filing", str(path),
        "--json", "--today", "2026-11-30",
    ]
    print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"{'contender':<24}{'wall s':>8}{'CPU s':>8}{'CPU ÷ cores':>12}{'rows/s':>9}"
          f"{'rows/CPU s':>12}{'peak RSS MB':>13}")
    for name, argv in contenders.items():
        seconds, cpu, peak = run_child(argv)
        rates = f"{args.rows / seconds:>9.0f}{args.rows / cpu:>12.0f}"
        print(f"{name:<24}{seconds:>8.1f}{cpu:>8.1f}{cpu / cores:>12.1f}{rates}{peak:>13}")
    print(f"load average after: {Path('/proc/loadavg').read_text().split()[:3]}")
    print("wall time counts other load on the machine; CPU seconds are each child's own")


if __name__ == "__main__":
    main()
