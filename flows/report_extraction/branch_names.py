"""Which branch a report, a block or a row is about: read from labelled lines, codes and names.

A report's own branch comes only from its labelled line (机构 / 报送机构 / 网点 ...), never from
上级机构 / 管辖行 / 汇总机构, nor from a sign-off's 打印机构 / 经办机构 / 制表机构 / 复核机构 (who
printed or handled it, as 打印日期 is no report date); a code or a name is checked against the
branch list the spec was loaded with (config/branches.yaml), and a code beside another branch's
name is refused. A branch's name with more after it (东城支行和平里分理处, 海淀支行营业部) names a
unit under that branch, not the branch: refused, in a 机构 line, a 机构 column and a summary
row alike, unless the list names that unit itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flows.report_extraction.header import Header
from flows.report_extraction.numbers import normalise
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.surroundings import Line
from flows.report_extraction.tables import Grid, GridCell
from rpa.errors import ExtractionError, LabelNotFound

TOTAL = "合计"
# a unit under a branch, written after the branch's name: 东城支行和平里分理处, 海淀支行营业部
_UNDER = re.compile(r"分理处|营业部|营业室|营业所|储蓄所|网点|分社|营业厅|支行|分行|社区银行|自助银行")
_NAME_ENDS = re.compile(r"[:,;()\[\]【】、。/\d]")  # what may follow a name in normalised text
# a word after a space that ends in a unit's kind, not a label's (所属分行：北京分行, 所属分行 北京分行)
# a label after one of these is a sign-off's (打印机构：, 经办网点：) or the printing user's (a
# platform's banner: 当前用户：张三 所属机构：西城支行, 登录机构：, 下载机构：; tester BI F10,
# 2026-12-07, saw it read as the report's branch), unless the spec lists the whole word as a label
# (填报机构); a sign-off's label needs no colon (打印机构 西城支行, a stamp: BI F11)
SIGN_OFF = ("打印", "经办", "制表", "填报", "复核",
            "所属", "用户", "登录", "下载", "导出", "查询", "操作", "当前")
# after a space, a bracket or a slash (东城支行 营业部, 东城支行（营业部）, 东城支行/营业部); a
# 分行 is the branch's parent, not a unit under it (东城支行 北京分行), and （含营业部） the branch
_SPACED_UNIT = re.compile(r"(?: |\(|/)(?!所属|上级|隶属|管辖|汇总|含)(?P<unit>[^\s:,;()\[\]【】、。/\d]*(?:"
                          + _UNDER.pattern + r"))(?<!分行)(?=[\s,;()\[\]【】、。/\d]|$)")


def whole_code(pattern: str, text: str) -> str | None:
    """The first code `pattern` finds in `text` that is a whole run of digits: the first six
    digits of a 12-digit 行号 (110105000012) are no branch code."""
    for match in re.finditer(pattern, text):
        start, end = match.span("code")
        if not (start > 0 and text[start - 1].isdigit()) and not (end < len(text) and text[end].isdigit()):
            return match.group("code")
    return None


def row_label(grid: Grid, header: Header, spec: ExtractionSpec, row: int) -> tuple[GridCell | None, str]:
    """A summary row's label cell and text: its code column's, or, where that is blank and the
    机构名称 beside it is the totals label (全辖合计), that name's; a branch row is never labelled
    by its name here (its code settles it)."""
    cell, text = grid.at(row, header.label_col), grid.text(row, header.label_col)
    name = grid.text(row, header.name_col) if header.name_col is not None else ""
    if not text and name and spec.totals_label is not None and spec.totals_label.matches(name):
        assert header.name_col is not None
        return grid.at(row, header.name_col), name
    return cell, text


@dataclass
class BranchNames:
    """Branch identification for one file."""

    spec: ExtractionSpec
    file: str

    def known(self, code: str, where: str, text: str = "", raw: str = "") -> str:
        """`code` when it is a known branch and `text` names no other branch's name; `raw`: the
        line as printed, spaces kept (`surroundings.Line.raw`), to see where the name ends."""
        known = self.spec.known_branches
        flat = normalise(text)
        other = [name for c, name in known.items() if c != code and normalise(name) in flat]
        if other and code in known and normalise(known[code]) not in flat:
            raise ExtractionError(f"{self.file}, {where}: “{text}” 的代码 {code} 是{known[code]}，"
                                  f"名称却是{other[0]}；报表属于哪个机构无法确定",
                                  details={"file": self.file})
        if known and code not in known:
            raise ExtractionError(f"{self.file}, {where}: 机构 {code} 不在 config/branches.yaml "
                                  "的网点名单里；请核对报表或名单",
                                  details={"file": self.file, "branch": code})
        own = normalise(known.get(code, ""))
        # what is written right after the name, up to a space or a mark: 东城支行和平里分理处 names
        # a unit; 东城支行  所属分行：北京分行 or 东城支行 网点数：12 are the next label's words
        spaced = raw or re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))
        at = spaced.find(own) if own else -1
        rest = spaced[at + len(own):] if at >= 0 else ""
        after = _NAME_ENDS.split(rest, maxsplit=1)[0].split(" ")[0]
        spaced_unit = _SPACED_UNIT.match(rest)  # 东城支行 营业部: a unit's name, no next label
        if not after and spaced_unit:
            after = rest[:spaced_unit.end("unit")]
        units = [match.end() for match in _UNDER.finditer(after)]
        if own and units:  # 东城支行和平里分理处报表日期: the unit is 东城支行和平里分理处
            unit, name = own + after[:units[-1]] + (")" if after.startswith("(") else ""), known[code]
            raise ExtractionError(f"{self.file}, {where}: “{unit}”是{name}下属的单位，不是{name}"
                                  f"（{code}）本身，网点名单 config/branches.yaml 里没有它；报表属于哪个机构"
                                  "无法确定，请核对报表，或在名单中加上它的代码和名称",
                                  details={"file": self.file, "branch": code, "name": unit})
        return code

    def only_one(self, code: str, where: str, text: str) -> str:
        """`code` when `text` (a 机构 line's) names no other listed branch, by a whole code or by
        name: `原110102西城支行，现110101东城支行` or `（含原110102西城支行）` cannot say whose
        figures the report holds."""
        known = self.spec.known_branches
        flat, own = normalise(text), normalise(known.get(code, ""))
        for other, name in known.items():
            by_code = re.search(rf"(?<!\d){re.escape(other)}(?!\d)", flat)
            by_name = normalise(name) and normalise(name) not in own and normalise(name) in flat
            if other != code and (by_code or by_name):
                raise ExtractionError(f"{self.file}, {where}: “{text}” 写了两个机构："
                                      f"{code} {known.get(code, '')} 和 {other} {name}；"
                                      "报表属于哪个机构无法确定，请向报送机构核实",
                                      details={"file": self.file})
        return code

    def code_of(self, text: str) -> str | None:
        """The branch code a text names: its leading digits, the spec's pattern, or a known name."""
        flat = normalise(text)
        digits = re.match(r"\d{3,}", flat)
        if digits:
            return digits.group(0)
        code = whole_code(self.spec.branch.pattern, flat)
        if code is not None:
            return code
        by_name = sorted(((len(normalise(name)), code) for code, name in self.spec.known_branches.items()
                          if flat.startswith(normalise(name))), reverse=True)
        if by_name and (len(by_name) == 1 or by_name[0][0] > by_name[1][0]):
            return by_name[0][1]  # the longest: 东城支行营业部 when the list names it, not 东城支行
        return None

    def info_branch(self, lines: list[Line]) -> tuple[str, str]:
        """The branch code the labelled lines name (机构 / 报送机构 / 网点, never 上级机构 / 管辖行),
        above the table or under it, and where; none, an unknown one or two different ones refuse."""
        labelled = self._labelled()
        found: list[tuple[str, str]] = []
        free: list[tuple[str, str]] = []  # text before a line's first label: a title, a heading
        for line in lines:
            under = line.footnote or line.below  # only its labelled 报送机构：... counts
            matches = list(labelled.finditer(line.text))
            if not under:
                free.append((line.text[:matches[0].start()] if matches else line.text, line.where))
            for index, match in enumerate(matches):
                if not self._own(match):
                    continue
                end = matches[index + 1].start() if index + 1 < len(matches) else len(line.text)
                value = line.text[match.end():end]
                where = f"{match.group('sign') or ''}{match.group(2)}行 {line.where}"
                code = self.code_of(value)
                if code is None and (under or match.group("verb")):
                    continue  # 注：机构为本行营业室 names none; 报送机构为110102西城支行 does
                if code is None:
                    raise ExtractionError(
                        f"{self.file}, {where}: “{match.group(0)}{value}” 不是已知网点的代码或名称，"
                        "报表属于哪个机构无法确定", details={"file": self.file})
                code = self.only_one(self.known(code, where, value, line.raw), where, match.group(0) + value)
                found.append((code, where))
        if not found:
            seen = " | ".join([line.text for line in lines if not line.footnote][:4]) or "无"
            raise LabelNotFound(f"{self.file}：表上没有写明机构（没有“机构：”等行；"
                                f"上级机构 / 管辖行 / 汇总机构不算）；表外文字：{seen}",
                                details={"file": self.file})
        codes = sorted({code for code, _ in found})
        if len(codes) > 1:
            shown = "、".join(f"{where} 写 {code}" for code, where in found)
            raise ExtractionError(f"{self.file}: 报表的机构前后不一：{shown}",
                                  details={"file": self.file})
        self._title_agrees(found[0], free)
        return found[0]

    def _labelled(self) -> re.Pattern[str]:
        """A branch label (机构：, 报送机构为, 网点110102), a sign-off's (打印机构：) or one that
        never names the report's (上级机构：) too: each ends the value of the label before it."""
        names = sorted({*self.spec.branch.labels, *self.spec.branch.never}, key=len, reverse=True)
        words, signs = "|".join(map(re.escape, map(normalise, names))), "|".join(SIGN_OFF)
        # 报送机构为110102 reads as 报送机构：, and a sign-off's 打印机构 西城支行 as 打印机构：
        ends = r"(?:[:：]|(?P<verb>为|是)|(?=\d)|(?(sign)(?=\S)|(?!)))"
        return re.compile(f"(?P<sign>{signs})?({words})" + ends)

    def _own(self, match: re.Match[str]) -> bool:
        """False for a label that never names the report's branch: 上级机构：, and a sign-off's
        打印机构： (but 填报机构：, which the spec lists whole, names it)."""
        sign, label = match.group("sign"), match.group(2)
        if label in {normalise(n) for n in self.spec.branch.never}:
            return False
        return not sign or sign + label in {normalise(n) for n in self.spec.branch.labels}

    def sheet_branch(self, texts: list[str]) -> str | None:
        """The branch code the first labelled line of a sheet's `texts` names (机构：110102 西城支行),
        to tell sheets apart; None when the report's branch is not stated in lines, or none is."""
        if self.spec.branch.source != "info":
            return None
        for text in texts:
            for match in self._labelled().finditer(normalise(text)):
                code = self.code_of(normalise(text)[match.end():]) if self._own(match) else None
                if code is not None:
                    return code
        return None

    def _title_agrees(self, found: tuple[str, str], free: list[tuple[str, str]]) -> None:
        """Refuse a report whose title or heading names another known branch (by code or name)
        than its labelled line: which of the two the figures belong to cannot be known."""
        code, where = found
        own = normalise(self.spec.known_branches.get(code, ""))
        for text, place in free:
            for other, name in self.spec.known_branches.items():
                flat = normalise(name)
                by_code = other != code and re.search(rf"(?<!\d){re.escape(other)}(?!\d)", text)
                by_name = flat and flat not in own and flat in text
                if by_code or by_name:
                    raise ExtractionError(
                        f"{self.file}: 报表的机构前后不一：{where} 写 {code}，{place} 的“{text}”写的是"
                        f"{other} {name}；请向报送机构核实", details={"file": self.file})

    def branch_by_name(self, text: str, where: str) -> str:
        """The branch a row names by its name alone (合计 for the totals label), when the branch
        list has exactly one branch of that name; any other name refuses, naming it."""
        if self.spec.totals_label is not None and self.spec.totals_label.matches(text):
            return TOTAL
        flat = normalise(text)
        codes = [code for code, name in self.spec.known_branches.items() if normalise(name) == flat]
        if len(codes) > 1:
            raise ExtractionError(f"{self.file}, {where}: 机构名称“{text}”在 config/branches.yaml 中对应"
                                  f"多个代码（{'、'.join(codes)}），报表没有机构代码列，无法确定是哪个网点",
                                  details={"file": self.file, "name": text})
        if not codes:
            raise ExtractionError(f"{self.file}, {where}: 机构名称“{text}”不在 config/branches.yaml "
                                  "的网点名单里；报表没有机构代码列，只能按名称对应，请核对报表或名单",
                                  details={"file": self.file, "name": text})
        return codes[0]

    def branch_of(self, text: str, where: str, code_text: str = "", name: str = "") -> str | None:
        """The branch a group or row label names (合计 for the totals label), None when it names
        none; `code_text` / `name` are a separate code or name column's text for the same row."""
        if self.spec.totals_label is not None and self.spec.totals_label.matches(text):
            return TOTAL
        for candidate in (code_text, text):
            if not candidate:
                continue
            if self.spec.branch.source == "row":
                code = whole_code(self.spec.branch.pattern, normalise(candidate))
            else:
                code = self.code_of(candidate)
            if code is not None:
                return self.known(code, where, f"{code_text}{text}{name}")
        return None
