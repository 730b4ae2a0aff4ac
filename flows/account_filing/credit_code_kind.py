"""Does the 统一社会信用代码 name the same kind of depositor as the 存款人类别?

    >>> disagreement("01", "12110105MB0234567P")   # 企业法人 with a 事业单位's code
    ('事业单位', '12')
    >>> disagreement("01", "91110000600037341L"), disagreement("01", "Y1110105MA01ABCD1D")
    (None, None)

Whether a 基本/临时 account is filed (备案) or needs the central bank's approval (核准) hangs on
the depositor being an enterprise (DOMAIN.md §1), and the bot reads that from the 存款人类别
cell. GB 32100-2015 says it too: a code's 1st character is the registration authority (登记管理
部门: 1 机构编制, 3 司法行政, 5 民政, 9 工商/市场监管...), its 2nd the kind of organisation
under it. A row whose category says an enterprise while its code was issued to a 机关, 事业单位,
社会团体... (or the reverse) would be filed, or held, as the wrong kind of depositor: it goes to
a person naming both (`category_problem`), never decided here which one is wrong.

Only the first two characters listed in `CODE_KINDS` are judged, and only the enterprise versus
non-enterprise line that 备案 and 核准 follow: a 企业法人 with a 个体工商户's code (92) or a 机关
with a 事业单位's code (12) is not judged here. Other first two characters (Y1 其他, N 农村集体
经济组织, the authorities added after 2015...) and the categories a depositor of any registration
may hold (`ANY_REGISTRATION`) are no judgement, never a refusal. A blank code or category (a 变更
may leave them to AMS) is no judgement either.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from flows.account_filing.fields import FieldProblem
from flows.account_filing.issues import Severity
from flows.account_filing.registry import FIELDS

# 存款人类别 codes (registry.py, DOMAIN.md): the enterprises whose accounts are filed (备案) since
# the 2019 reform, as config/deadlines.yaml's approval rule has them...
ENTERPRISE = frozenset({"01", "02", "13", "14"})  # 企业法人, 非法人企业, 有字号/无字号个体工商户
# ...the depositors that are not enterprises whatever they are registered as...
NOT_ENTERPRISE = frozenset({
    "03",  # 机关
    "04",  # 实行预算管理的事业单位
    "05",  # 非预算管理的事业单位
    "06",  # 团级(含)以上军队及分散执勤的支(分)队
    "07",  # 团级(含)以上武警部队及分散执勤的支(分)队
    "08",  # 社会团体
    "09",  # 宗教组织
    "10",  # 民办非企业组织
    "15",  # 居民委员会、村民委员会、社区委员会
})  # fmt: skip
# ...and those of any registration, never judged: 11 外地常设机构 and 16 单位设立的独立核算的附属
# 机构 are registered as or under their parent, 12 外国驻华机构 by 工商 or 外交, 17 其他组织 anywhere.
ANY_REGISTRATION = frozenset({"11", "12", "16", "17"})


class CodeKind(NamedTuple):
    """What a credit code's first two characters say, and the 存款人类别 codes that agree."""

    label: str
    agrees: frozenset[str]


# GB 32100-2015 登记管理部门码 + 机构类别码 (its appendix): the first two characters judged, each
# with the categories that agree with it. 3x (司法行政: 律师事务所, 公证处) is not judged: banks
# keep a law firm as 非法人企业 or 其他组织 alike.
CODE_KINDS: Mapping[str, CodeKind] = MappingProxyType({
    "11": CodeKind("机关", NOT_ENTERPRISE),  # 机构编制
    "12": CodeKind("事业单位", NOT_ENTERPRISE),
    "13": CodeKind("中央编办直接管理机构编制的群众团体", NOT_ENTERPRISE),
    "19": CodeKind("机构编制的其他机构", NOT_ENTERPRISE),
    "51": CodeKind("社会团体", NOT_ENTERPRISE),  # 民政
    "52": CodeKind("民办非企业单位", NOT_ENTERPRISE),
    "53": CodeKind("基金会", NOT_ENTERPRISE),
    "59": CodeKind("民政登记的其他组织", NOT_ENTERPRISE),
    "91": CodeKind("企业", ENTERPRISE),  # 工商 / 市场监管
    "92": CodeKind("个体工商户", ENTERPRISE),
    "93": CodeKind("农民专业合作社", ENTERPRISE),
})  # fmt: skip


def disagreement(category_code: str | None, credit_code: str | None) -> tuple[str, str] | None:
    """(the kind the code says, its first two characters) when a 存款人类别 code (01-17) and a
    credit code name different kinds of depositor; None when they agree or are not judged."""
    if not category_code or not credit_code or category_code in ANY_REGISTRATION:
        return None
    prefix = credit_code[:2]
    kind = CODE_KINDS.get(prefix)
    if kind is None or category_code in kind.agrees:
        return None
    return kind.label, prefix


def category_problem(values: Mapping[str, object], code_column: str) -> FieldProblem | None:
    """The 需人工处理 problem of a row whose parsed 存款人类别 (a label) and 统一社会信用代码
    disagree, for the 存款人类别 cell; `code_column` is the credit code's header in the sheet."""
    category, credit_code = values.get("depositor_category"), values.get("uscc")
    if not isinstance(category, str) or not isinstance(credit_code, str):
        return None
    found = disagreement(FIELDS["depositor_category"].export_code_of(category), credit_code)
    if found is None:
        return None
    kind, prefix = found
    params: dict[str, object] = {"category": category, "code_column": code_column, "kind": kind}
    return FieldProblem("category_code_mismatch", Severity.NEEDS_PERSON, {**params, "prefix": prefix})
