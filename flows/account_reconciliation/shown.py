"""What report.html says of each line of a reconciliation: its item, the two filing numbers, the
fields that differ, its word and its note. 相符 for 已报备已确认; 未逾期 for an 应报未报 row whose
deadline is still ahead (no finding, and yet AMS does not hold it: never called 相符, tester AN of
2026-12-06); 非本行 for a filing by hand or by another branch (no finding either: a run finding
only such is 全部完成, and testers AN and AR read 不符 beside it); 不符 for the rest, for a row
whose deadline could not be found and for a line AMS lists under two or more filing numbers (a
duplicate submission, DOMAIN.md)."""

from __future__ import annotations

from flows.account_filing.notes import ACTION_LABELS
from flows.account_reconciliation.classify import CONFIRMED, DIFFERS, DUE, NOT_IN_AMS, NOT_OURS, Line
from flows.account_reconciliation.compare import COMPARED
from rpa.masking import FieldClass, mask
from rpa.run.report_sections import Comparison

NOT_YET_DUE = "未逾期"
NOT_OURS_WORD = "非本行"  # a filing AMS holds that no run of ours made


def comparison(name: str, line: Line) -> Comparison:
    """The line of class `name` as report.html shows it."""
    waiting = name == DUE and bool(line.deadline) and not line.overdue and not line.listed_twice
    elsewhere = name == NOT_OURS and not line.listed_twice and not line.unconfirmed  # no finding
    return Comparison(group=name, item=f"{ACTION_LABELS.get(line.action, line.action)} "
                      f"{mask(line.account_no, FieldClass.ACCOUNT_NO)} {line.business_date}",
                      first=line.our_filing_no or line.source, second=line.ams_filing_no,
                      difference="、".join(dict.fromkeys(d.label for d in line.differences)),
                      ok=(name == CONFIRMED and not line.listed_twice) or waiting or elsewhere,
                      note=_note(name, line),
                      word=NOT_YET_DUE if waiting else NOT_OURS_WORD if elsewhere else "")


def _note(name: str, line: Line) -> str:
    """What a line of the report says beside its class."""
    if name == DUE:
        due = f"报备期限 {line.deadline}，{'已逾期' if line.overdue else '未逾期'}" if line.deadline else ""
        due = due or "报备期限无法确定"
        return f"{due}；{line.note}" if line.note else due
    if name == NOT_OURS:
        return f"AMS 中有，不是本行的报备运行报送：{line.note}"
    if name == DIFFERS:
        fields = any(d.label in COMPARED.values() for d in line.differences)
        kept = "、".join(dict.fromkeys(d.label for d in line.differences if d.label not in COMPARED.values()))
        said = ("AMS 与导出文件不一致" if fields else f"AMS 所列{kept}与本行报备运行所记不同") + (
            "" if line.our_filing_no else "（非本行报备运行报送）")
        which = "；".join(f"{d.label}：AMS 备案编号 {d.filing_no}，{d.source}" for d in line.differences
                         if (d.filing_no, d.source) != (line.ams_filing_no, line.source))  # one of several
        return "；".join(part for part in (said, which, line.note) if part)
    said = {CONFIRMED: "清单所列字段相符（注册资金、法定代表人等未核对）",
            NOT_IN_AMS: "本行已报备，AMS 清单中没有"}.get(name, "")  # fmt: skip
    return f"{said}；{line.note}" if said and line.note else said
