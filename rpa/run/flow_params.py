"""Which parameters a flow's class takes, said in Chinese: a run's parameters are checked by
name before the flow is made (`rpa.run.flow.load_flow`), and a scheduled job's names when
schedules.yaml is read (tester AB, 2026-12-06: `dates:` for `date` passed `rpa doctor` and
`rpa schedule list`, and failed only when the monthly job fired).

    parameter_problem(ReportExtractionFlow, {"dates": "{T-1}"})   # "不认识的参数 dates（可用：date、…）"
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any


def parameter_problem(flow_class: type, given: Mapping[str, Any], *, missing: bool = True) -> str:
    """The parameters given that the flow does not take and (with `missing`) those it needs and
    was not given, in Chinese; "" when there are none."""
    takes = inspect.signature(flow_class).parameters
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in takes.values())
    unknown = [] if open_ended else [k for k in given if k not in takes]
    absent = [n for n, p in takes.items() if p.kind in named and p.default is p.empty and n not in given]
    said = []
    if unknown:
        said.append(f"不认识的参数 {'、'.join(unknown)}（可用：{'、'.join(takes) or '无'}）")
    if absent and missing:
        said.append(f"缺少参数 {'、'.join(absent)}")
    return "；".join(said)
