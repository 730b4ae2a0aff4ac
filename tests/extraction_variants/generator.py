"""Write the same figures in the layouts of other report systems, with the truth beside them.

Nothing here calls the extraction code or the mock platform's report writer: the figures
are drawn from a seeded random generator, the layouts are written cell by cell with
openpyxl, and each case carries what a careful clerk reads from the file (figures in 元,
counts as counts) or the reason the file must be refused (a regular expression the error
message matches).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Table, TableStyle

Key = tuple[str | None, str, str]
CJK_FONT = "STSong-Light"  # reportlab's built-in CJK font

FACTOR = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100_000_000)}
# decimals that show a multiple of 100 元 exactly in each unit
PLACES = {"元": 2, "千元": 1, "万元": 2, "亿元": 6}
# the branches the cases use: one code with leading zeros, kept as text
BRANCHES = {"001101": "营业部", "110101": "东城支行", "110102": "西城支行", "110105": "朝阳支行"}

DAILY_MONEY = ["储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额",
               "中间业务收入"]
DAILY_COUNTS = {"客户数": "户", "新增客户数": "户", "对公账户开户数": "个"}
DAILY_ALIASES = {"储蓄存款余额": ["储蓄存款"], "个人金融资产余额": ["个人金融资产", "AUM"],
                 "个人贷款余额": ["个人贷款"], "对公贷款余额": ["对公贷款"], "普惠贷款余额": ["普惠贷款"],
                 "客户数": ["客户总数"], "对公账户开户数": ["对公开户数"]}
DAILY_COLUMNS = {"本日": ["当日", "本日余额"], "较上日": ["比上日", "较上日增减"], "较年初": ["比年初"]}
FEE_CATEGORIES = ["结算类", "银行卡类", "代理类", "托管类", "担保承诺类", "咨询顾问类", "电子银行类", "其他"]
# every other 网点经营日报 case is a trap: a file that must be refused, or a decoy to step past
DAILY_TRAPS = ["none", "two_dates", "none", "conflict", "none", "no_unit", "none", "superior_only", "none",
               "hidden_only", "none", "two_dates_unasked", "none", "unknown_branch"]
FEE_COLUMNS = {"本月": ["本月发生额", "本月收入"], "较上月": ["比上月"], "本年累计": ["年累计"]}


@dataclass
class Case:
    """One generated report file and what must come out of it."""

    name: str
    spec: str
    data: bytes
    expected: dict[Key, Decimal] | None  # None: the file must be refused
    refusal: str | None = None  # a regex the refusal names
    report_date: str | None = None
    absent: set[Key] = field(default_factory=set)  # printed as a dash or blank: no figure


@dataclass
class _Style:
    """How numbers are printed in one file."""

    kind: str  # number / text / fullwidth / spaces / cncomma
    negative: str  # minus / paren / trailing
    plus: bool

    def show(self, value: Decimal, places: int) -> tuple[object, str]:
        """(cell value, number format) of a value printed in its unit."""
        if self.kind == "number":
            fmt = "#,##0" + ("." + "0" * places if places else "")
            if self.negative == "paren":
                fmt = f"{fmt};({fmt})"
            return (float(value) if places else int(value)), fmt
        text = f"{abs(value):,.{places}f}"
        if self.kind == "spaces":
            text = text.replace(",", " ")
        elif self.kind == "cncomma":
            text = text.replace(",", "，")
        if value < 0:
            text = {"minus": f"-{text}", "paren": f"({text})", "trailing": f"{text}-"}[self.negative]
        elif self.plus and value > 0:
            text = f"+{text}"
        if self.kind == "fullwidth":
            text = text.translate(str.maketrans("0123456789,.-+()", "０１２３４５６７８９，．－＋（）"))
        return text, "@"


class _Writer:
    """Rows written one after another on a sheet; remembers merges."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 1

    def line(self, cells: list[object]) -> int:
        for col, cell in enumerate(cells, start=1):
            if cell is None:
                continue
            value, fmt = cell if isinstance(cell, tuple) else (cell, None)
            target = self.ws.cell(row=self.row, column=col, value=value)
            if fmt:
                target.number_format = fmt
        self.row += 1
        return self.row - 1

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high) * 100)


def _alias(rng: random.Random, name: str, aliases: dict[str, list[str]]) -> str:
    shown = rng.choice([name, *aliases.get(name, [])])
    if rng.random() < 0.2 and len(shown) > 2:
        shown = shown[:2] + "\u3000" + shown[2:]  # an ideographic space, as typed by hand
    if shown == "AUM" and rng.random() < 0.5:
        shown = "ＡＵＭ"
    return shown


def _style(rng: random.Random, negatives: list[str], pdf: bool) -> _Style:
    kinds = ["text", "fullwidth", "spaces", "cncomma"] + ([] if pdf else ["number"])
    return _Style(rng.choice(kinds), rng.choice(negatives), rng.random() < 0.3)


def _book_bytes(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _unit_statement(rng: random.Random, unit: str) -> str:
    return rng.choice([f"单位：{unit}", f"单位：人民币{unit}", f"金额单位：{unit}", f"（单位：{unit}，户）"])


# -- 网点经营日报: one branch, metrics as rows ------------------------------------------------------

def _daily_truth(rng: random.Random) -> dict[str, dict[str, Decimal]]:
    truth: dict[str, dict[str, Decimal]] = {}
    for metric in DAILY_MONEY:
        truth[metric] = {"本日": _money(rng, 1, 9_000_000), "较上日": _money(rng, -50_000, 50_000),
                         "较年初": _money(rng, -500_000, 500_000)}
    for metric in DAILY_COUNTS:
        truth[metric] = {"本日": Decimal(rng.randint(0, 60_000)), "较上日": Decimal(rng.randint(-40, 40)),
                         "较年初": Decimal(rng.randint(-900, 900))}
    return truth


def _daily_sheet(ws: Worksheet, rng: random.Random, truth: dict[str, dict[str, Decimal]], *, unit: str,
                 place: str, branch_lines: list[str], date_line: str, style: _Style,
                 dash: tuple[str, str] | None, conflict: bool) -> list[str]:
    """One 网点经营日报 table on `ws`; answers the choices made, for the case's name."""
    out = _Writer(ws)
    columns = list(DAILY_COLUMNS)
    rng.shuffle(columns)
    two_rows = rng.random() < 0.5
    if two_rows:  # 较上日 / 较年初 side by side under a merged 比较
        columns = ["本日", "较上日", "较年初"] if rng.random() < 0.5 else ["较上日", "较年初", "本日"]
    suffix = f"（{unit}）" if place == "header" else ""
    shown_cols = [_alias(rng, c, DAILY_COLUMNS) + suffix for c in columns]
    has_unit_col = place in ("unit_col", "header")  # a 万元 header over count rows that say 户
    extra = rng.random() < 0.4
    title = "网点经营日报" + (f"（{unit}）" if place == "title" else "")
    out.line([title])
    for text in branch_lines:
        out.line([text])
    out.line([date_line])
    if place == "unit_line":
        out.line([_unit_statement(rng, unit)])
    label_header = rng.choice(["项目", "指标", "指标名称"])
    # the grid of header cells: label, figure columns, optional unit column, optional extra column
    layout: list[str] = ["label", *columns]
    layout += (["unit"] if has_unit_col else []) + (["extra"] if extra else [])
    if extra and rng.random() < 0.5:
        layout.insert(1, layout.pop())  # the 备注 column between the label and the figures
    top: list[object] = []
    bottom: list[object] = []
    for item in layout:
        if item == "label":
            top.append(label_header)
            bottom.append(None)
        elif item == "unit":
            top.append(rng.choice(["单位", "计量单位"]))
            bottom.append(None)
        elif item == "extra":
            top.append("备注")
            bottom.append(None)
        else:
            name = shown_cols[columns.index(item)]
            if two_rows and item in ("较上日", "较年初"):
                top.append(None if "比较" in top else "比较")
                bottom.append(name)
            else:
                top.append(name)
                bottom.append(None)
    first = out.line(top)
    if two_rows:
        out.line(bottom)
        for index, item in enumerate(layout, start=1):
            if item in ("较上日", "较年初"):
                continue
            out.merge(first, index, first + 1, index)
        compare = [i for i, item in enumerate(layout, start=1) if item in ("较上日", "较年初")]
        if compare == [compare[0], compare[0] + 1]:
            out.merge(first, compare[0], first, compare[1])
    metrics = [*DAILY_MONEY, *DAILY_COUNTS]
    rng.shuffle(metrics)
    section_at = rng.randrange(len(metrics)) if rng.random() < 0.4 else -1
    blank_at = rng.randrange(len(metrics)) if rng.random() < 0.4 else -1
    for index, metric in enumerate(metrics):
        if index == section_at:
            out.line(["一、主要指标"])
        if index == blank_at:
            out.line([])
        money = metric in DAILY_MONEY
        metric_unit = unit if money else DAILY_COUNTS[metric]
        label = _alias(rng, metric, DAILY_ALIASES)
        if place == "label_suffix":
            label = f"{label}（{metric_unit}）"
        row: list[object] = []
        for item in layout:
            if item == "label":
                row.append(label)
            elif item == "unit":
                row.append(("人民币" if money and rng.random() < 0.3 else "") + metric_unit)
            elif item == "extra":
                row.append(rng.choice([None, "手工调整", "含代发"]))
            elif dash == (metric, item):
                row.append(rng.choice(["-", "—", None]))
            else:
                value = truth[metric][item]
                places = PLACES[unit] if money else 0
                row.append(style.show(value / FACTOR[unit] if money else value, places))
        out.line(row)
    if place == "footnote":
        out.line([f"注：金额单位为{unit}，较上日为本日与上日之差。"])
    elif conflict:
        other = next(u for u in ("元", "万元") if u != unit)
        out.line([f"注：金额单位为{other}。"])
    else:
        out.line(["注：较上日为本日与上日之差。"])
    out.line(["制表：运营管理部"])
    return [f"{'2row' if two_rows else '1row'}", f"cols={'/'.join(shown_cols)}", f"extra={extra}"]


def _branch_daily(rng: random.Random, index: int, pdf: bool) -> Case:
    truth = _daily_truth(rng)
    branch = rng.choice(sorted(BRANCHES))
    unit = rng.choice(list(FACTOR))
    place = rng.choice(["unit_line", "unit_col", "label_suffix", "footnote", "title", "header"])
    style = _style(rng, ["minus", "paren", "trailing"], pdf)
    trap = DAILY_TRAPS[index % len(DAILY_TRAPS)]
    if pdf and trap in ("two_dates", "two_dates_unasked", "hidden_only"):  # workbook traps
        trap = "none"
    name = BRANCHES[branch]
    line = rng.choice([f"机构：{branch} {name}", f"报送机构：{branch}", f"网点：{name}",
                       f"机构代码：{branch}　机构名称：{name}"])
    lines = [line]
    if rng.random() < 0.6:
        lines.insert(0, rng.choice(["上级机构：110000 北京分行", "管辖行：北京分行营业部",
                                    "汇总机构：110000"]))
    if trap == "superior_only":
        lines = ["上级机构：110000 北京分行"]
    if trap == "unknown_branch":
        lines = ["机构：110199 不存在支行"]
    if trap == "no_unit":
        place = "none"
    if trap == "conflict":  # the unit line states one unit, the footnote another
        place = "unit_line"
    date_line = rng.choice(["报表日期：2026-03-05", "报表日期：2026年3月5日", "日期：2026/03/05"])
    dash = (rng.choice(DAILY_MONEY), rng.choice(["较上日", "较年初"])) if rng.random() < 0.3 else None
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "说明"
    first["A1"] = "本工作簿由报表系统导出，数据截至报表日"
    if rng.random() < 0.5 or trap == "hidden_only":  # a stale copy of another branch, hidden
        stale = book.create_sheet("网点经营日报(旧)")
        stale.sheet_state = rng.choice(["hidden", "veryHidden"])
        _daily_sheet(stale, rng, _daily_truth(rng), unit=unit, place="unit_line",
                     branch_lines=["机构：110105 朝阳支行"], date_line="报表日期：2026-03-05",
                     style=style, dash=None, conflict=False)
    sheet = book.create_sheet(rng.choice(["网点经营日报", "Sheet1", "日报0305"]))
    choices = _daily_sheet(sheet, rng, truth, unit=unit, place=place, branch_lines=lines, date_line=date_line,
                           style=style, dash=dash, conflict=trap == "conflict")
    if trap == "hidden_only":
        sheet.sheet_state = "hidden"
    if trap in ("two_dates", "two_dates_unasked"):
        other = book.create_sheet("日报0304", index=1)  # placed first: never chosen by position
        _daily_sheet(other, rng, _daily_truth(rng), unit=unit, place="unit_line", branch_lines=lines,
                     date_line="报表日期：2026-03-04", style=style, dash=None, conflict=False)
    refusal = {"conflict": "单位前后不一", "no_unit": "没有注明单位",
               "superior_only": "表上没有写明机构",
               "hidden_only": "找不到.*可见工作表", "two_dates_unasked": "无法确定读哪一个",
               "unknown_branch": "不在 config/branches.yaml"}.get(trap)
    expected = None if refusal else {(branch, m, c): v for m, cols in truth.items() for c, v in cols.items()}
    absent: set[Key] = set()
    if expected is not None and dash is not None:
        absent.add((branch, *dash))
        del expected[(branch, *dash)]
    return Case(name=f"branch_daily#{index} unit={unit}@{place} trap={trap} style={style} line={line} "
                     + " ".join(choices),
                spec="branch_daily", data=_pdf_bytes(sheet) if pdf else _book_bytes(book),
                expected=expected, refusal=refusal,
                report_date=None if trap == "two_dates_unasked" else "2026-03-05", absent=absent)


# -- 分行汇总日报: branches as rows, a 合计 row -------------------------------------------------------

def _summary(rng: random.Random, index: int, pdf: bool) -> Case:
    branches = sorted(rng.sample(sorted(BRANCHES), 3))
    metrics = [*DAILY_MONEY, *DAILY_COUNTS]
    truth: dict[Key, Decimal] = {}
    noise: dict[Key, Decimal] = {}
    for metric in metrics:
        for code in branches:
            money = metric in DAILY_MONEY
            truth[(code, metric, "本日")] = (
                _money(rng, 1, 9_000_000) if money else Decimal(rng.randint(0, 9000)))
            noise[(code, metric, "较上日")] = (
                _money(rng, -9_000, 9_000) if money else Decimal(rng.randint(-9, 9)))
        truth[("合计", metric, "本日")] = sum((truth[(c, metric, "本日")] for c in branches), Decimal(0))
        noise[("合计", metric, "较上日")] = sum((noise[(c, metric, "较上日")] for c in branches), Decimal(0))
    unit = rng.choice(list(FACTOR))
    place = rng.choice(["unit_line", "header", "group"])
    sub_columns = rng.random() < 0.4  # each metric over 本日 / 较上日
    if sub_columns and place == "group":
        place = "header"
    style = _style(rng, ["minus", "paren", "trailing"], pdf)
    codes_as_numbers = rng.random() < 0.5 and not pdf
    totals_first = rng.random() < 0.3
    trap = ["none", "conflict", "none", "unknown_branch", "none"][index % 5]
    rng.shuffle(metrics)
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = rng.choice(["分行汇总日报", "汇总", "Sheet1"])
    out = _Writer(ws)
    out.line(["分行汇总日报"])
    out.line(["报表日期：2026-03-05"])
    if place == "unit_line":
        out.line([_unit_statement(rng, unit)])
    if trap == "conflict":
        out.line([f"单位：{'元' if unit != '元' else '万元'}"])
        place = "header"
    code_header = rng.choice(["机构代码", "机构号", "网点代码"])
    top: list[object] = [code_header, "机构名称"]
    bottom: list[object] = [None, None]
    merges: list[tuple[int, int, int, int]] = [(0, 1, 1, 1), (0, 2, 1, 2)]
    cols: list[tuple[str, str]] = []  # (metric, 本日 or 较上日) per figure column
    for metric in metrics:
        money = metric in DAILY_MONEY
        name = _alias(rng, metric, DAILY_ALIASES)
        suffix = f"（{unit if money else DAILY_COUNTS[metric]}）" if place == "header" else ""
        start = len(top) + 1
        if sub_columns:
            top += [name + suffix, None]
            bottom += [rng.choice(["本日", "当日"]), "较上日"]
            merges.append((0, start, 0, start + 1))
            cols += [(metric, "本日"), (metric, "较上日")]
        elif place == "group":
            group = f"{'金额' if money else '客户与账户'}（{unit if money else DAILY_COUNTS[metric]}）"
            top.append(group)
            bottom.append(name)
            cols.append((metric, "本日"))
        else:
            top.append(name + suffix)
            bottom.append(None)
            merges.append((0, start, 1, start))
            cols.append((metric, "本日"))
    if rng.random() < 0.4:
        top.append("备注")
        bottom.append(None)
        merges.append((0, len(top), 1, len(top)))
    first = out.line(top)
    out.line(bottom)
    for r0, c0, r1, c1 in merges:
        out.merge(first + r0, c0, first + r1, c1)
    if place == "group":  # merge runs of the same group header
        start = 3
        for col in range(3, len(top) + 2):
            if col > len(top) or top[col - 1] != top[start - 1]:
                if col - 1 > start and top[start - 1] is not None:
                    out.merge(first, start, first, col - 1)
                start = col
    rows: list[str] = ["合计", *branches] if totals_first else [*branches, "合计"]
    if trap == "unknown_branch":
        rows.insert(1, "110199")
    blank_at = rng.randrange(1, len(rows)) if rng.random() < 0.4 else -1
    for position, code in enumerate(rows):
        if position == blank_at:
            out.line([])
        if position == 1 and rng.random() < 0.3:
            out.line(["城区网点"])  # a section row: no figures
        total = code == "合计"
        label: object = rng.choice(["合计", "全辖合计", "总计"]) if total else code
        if not total and codes_as_numbers:
            label = (int(code), "000000")
        cells: list[object] = [label, None if total or code not in BRANCHES else BRANCHES[code]]
        for metric, column in cols:
            money = metric in DAILY_MONEY
            value = (truth if column == "本日" else noise).get((code, metric, column), Decimal(100))
            shown = value / FACTOR[unit] if money else value
            cells.append(style.show(shown, PLACES[unit] if money else 0))
        out.line(cells)
    stale = not pdf and index % 2 == 0
    if stale:  # a stale row and a stale column someone hid instead of deleting
        hidden_row = out.line([branches[0], BRANCHES[branches[0]], *("1.00" for _ in cols)])
        ws.row_dimensions[hidden_row].hidden = True
        column = len(top) + 1
        ws.cell(row=first, column=column, value=str(top[2]))
        ws.cell(row=first + 1, column=column, value=str(bottom[2] or "本日"))
        for row in range(first + 2, out.row):
            ws.cell(row=row, column=column, value="1.00")
        ws.column_dimensions[get_column_letter(column)].hidden = True
    out.line(["注：本表由系统生成"])
    refusal = {"conflict": "单位前后不一", "unknown_branch": "不在 config/branches.yaml"}.get(trap)
    return Case(name=f"summary_daily#{index} unit={unit}@{place} sub={sub_columns} "
                     f"numbers={codes_as_numbers} "
                     f"totals_first={totals_first} stale={stale} trap={trap} style={style}",
                spec="summary_daily", data=_pdf_bytes(ws) if pdf else _book_bytes(book),
                expected=None if refusal else truth,
                refusal=refusal, report_date="2026-03-05")


# -- 中间业务收入月报: branch blocks of fee categories ---------------------------------------------------

def _fee(rng: random.Random, index: int, pdf: bool) -> Case:
    branches = sorted(rng.sample(sorted(BRANCHES), 2))
    truth: dict[Key, Decimal] = {}
    for code in branches:
        for category in FEE_CATEGORIES:
            truth[(code, category, "本月")] = Decimal(rng.randint(0, 900_000) * 10)
            truth[(code, category, "较上月")] = Decimal(rng.randint(-90_000, 90_000) * 10)
            truth[(code, category, "本年累计")] = Decimal(rng.randint(0, 9_000_000) * 10)
        for column in FEE_COLUMNS:
            parts = [truth[(code, c, column)] for c in FEE_CATEGORIES]
            truth[(code, "小计", column)] = sum(parts, Decimal(0))
    for category in [*FEE_CATEGORIES, "小计"]:
        for column in FEE_COLUMNS:
            parts = [truth[(b, category, column)] for b in branches]
            truth[("合计", category, column)] = sum(parts, Decimal(0))
    unit = rng.choice(["元", "千元"])
    places = 2  # multiples of 10 元 show exactly to 0.01 千元
    unit_place = rng.choice(["unit_line", "header", "group"])
    label_at = rng.choice(["merged", "first", "middle", "last"])
    code_column = rng.random() < 0.4
    totals_first = rng.random() < 0.3
    style = _style(rng, ["minus", "trailing"], pdf)
    trap = ["none", "unlabelled_block", "none", "none"][index % 4]
    categories = list(FEE_CATEGORIES)
    rng.shuffle(categories)
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "中间业务收入月报"
    out = _Writer(ws)
    out.line(["中间业务收入月报"])
    out.line(["报表期间：2026年03月"])
    if unit_place == "unit_line":
        out.line([_unit_statement(rng, unit).replace("，户", "")])
    columns = list(FEE_COLUMNS)
    rng.shuffle(columns)
    shown = [_alias(rng, c, FEE_COLUMNS) + (f"（{unit}）" if unit_place == "header" else "") for c in columns]
    lead: list[object] = [rng.choice(["机构", "机构名称", "网点"])] + (["机构代码"] if code_column else [])
    lead.append(rng.choice(["业务类别", "收入类别"]))
    if unit_place == "group":
        first = out.line([*lead, f"中间业务收入（{unit}）", None, None])
        out.line([None] * len(lead) + shown)
        for col in range(1, len(lead) + 1):
            out.merge(first, col, first + 1, col)
        out.merge(first, len(lead) + 1, first, len(lead) + 3)
    else:
        out.line([*lead, *shown])
    blocks: list[str] = ["合计", *branches] if totals_first else [*branches, "合计"]
    for block_index, code in enumerate(blocks):
        rows = [*categories, "小计"]
        at = {"merged": 0, "first": 0, "middle": len(rows) // 2, "last": len(rows) - 1}[label_at]
        start = out.row
        for position, category in enumerate(rows):
            if code == "合计":
                group = "合计" if position == at else None
                code_cell = None
            else:
                label = BRANCHES[code] if code_column else f"{code} {BRANCHES[code]}"
                group = label if position == at else None
                code_cell = code if position == at else None
            if trap == "unlabelled_block" and block_index == 1:
                group = code_cell = None
            cells: list[object] = [group] + ([code_cell] if code_column else []) + [category]
            for column in columns:
                cells.append(style.show(truth[(code, category, column)] / FACTOR[unit], places))
            out.line(cells)
        if label_at == "merged" and not (trap == "unlabelled_block" and block_index == 1):
            out.merge(start, 1, out.row - 1, 1)
            if code_column:
                out.merge(start, 2, out.row - 1, 2)
    out.line(["注：负数以负号表示。"])
    refusal = {"unlabelled_block": "没有机构"}.get(trap)
    return Case(name=f"fee_income_monthly#{index} unit={unit}@{unit_place} label={label_at} "
                     f"code_col={code_column} "
                     f"totals_first={totals_first} trap={trap} style={style}",
                spec="fee_income_monthly", data=_pdf_bytes(ws) if pdf else _book_bytes(book),
                expected=None if refusal else truth,
                refusal=refusal, report_date="2026-03-31")


def generate(seed: int, count: int, fmt: str = "xlsx") -> list[Case]:
    """`count` cases of each report type, the same for the same seed; `fmt` xlsx or pdf (one
    ruled page drawn from the same sheet; the workbook-only traps become plain cases)."""
    rng = random.Random(seed)
    pdf = fmt == "pdf"
    cases: list[Case] = []
    for index in range(count):
        cases.append(_branch_daily(rng, index, pdf))
        cases.append(_summary(rng, index, pdf))
        cases.append(_fee(rng, index, pdf))
    return cases


def _pdf_bytes(ws: Worksheet) -> bytes:
    """The sheet as one PDF page: the lines above the table, the table ruled with its merges,
    the footnotes below. The table starts at the first row with two cells and ends at the
    first 注 / 制表 line."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    n_cols = ws.max_column
    rows = [["" if v is None else str(v) for v in row]
            for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=n_cols, values_only=True)]
    header = next(i for i, row in enumerate(rows) if sum(1 for t in row if t) >= 2)
    end = next((i for i in range(header, len(rows)) if rows[i][0].startswith(("注", "制表"))), len(rows))
    spans = []
    for merged in ws.merged_cells.ranges:
        if header < merged.min_row <= end:
            spans.append(("SPAN", (merged.min_col - 1, merged.min_row - 1 - header),
                          (merged.max_col - 1, merged.max_row - 1 - header)))
    table_rows = rows[header:end]
    widths = [max([len(row[c]) * 8.0 + 8 for row in table_rows] + [30.0]) for c in range(n_cols)]
    page_width = max(842.0, sum(widths) + 60)
    page_height = 80 + 16 * (len(rows) + 2)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_width, page_height))
    canvas.setFont(CJK_FONT, 9)
    y = page_height - 30
    for row in rows[:header]:
        if any(row):
            canvas.drawString(30, y, " ".join(t for t in row if t))
            y -= 16
    table = Table(table_rows, colWidths=widths, rowHeights=16)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), CJK_FONT, 7),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black), *spans]))
    _, height = table.wrapOn(canvas, page_width, page_height)
    table.drawOn(canvas, 30, y - height)
    y -= height + 16
    for row in rows[end:]:
        if any(row):
            canvas.drawString(30, y, " ".join(t for t in row if t))
            y -= 16
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
