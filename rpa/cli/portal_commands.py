"""CLI command `rpa portal probe`: log in read-only, visit every page a bot uses and report which
selector candidate matched each element, so a changed portal is found before a run.

    rpa portal probe ams [--account 6222...]
    rpa portal probe report_platform

Exit 1 lists every element that is missing; elements only shown in states a read-only visit
never causes (a refused login, an empty result) are not failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from rpa.cli.common import app, command_group, handles_errors, settings

portal_app = command_group(
    help="运行前检查真实（或模拟）门户。\n\nCheck a real (or mock) portal before a run.",
    no_args_is_help=True,
)
app.add_typer(portal_app, name="portal")

_PROBLEM_WORDS = {
    "missing": "缺失",
    "ambiguous": "匹配多个元素",
    "no_section": "所在区域缺失",
    "ambiguous_section": "所在区域匹配多个",
    "not_visited": "未访问",
    "state_only": "未显示",
}


@portal_app.command("probe")
@handles_errors
def portal_probe(
    portal: Annotated[str, typer.Argument(help="ams or report_platform")],
    account: Annotated[
        str | None, typer.Option(help="AMS: an account to look up (its history is read); default: "
                                 "the first one 备案业务清单 lists.")
    ] = None,
) -> None:
    """只读登录，访问机器人用到的每个页面，报告匹配到的选择器。

    Log in read-only, visit every page the bot uses, report which selector candidate matched;
    exit 1 listing every element that is missing."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from rpa.errors import UsageError

    cfg = settings()
    results: Mapping[str, Mapping[str, str | None]]
    if portal == "ams":
        from flows.account_filing.probe import probe_ams

        results = probe_ams(cfg, account=account)
    elif portal == "report_platform":
        from flows.report_extraction.flow import probe_report_platform

        results = probe_report_platform(cfg)
    else:
        raise UsageError("门户只能是 ams 或 report_platform")
    seen = getattr(results, "seen", None)
    table = Table("页面", "元素", "结果", title=f"{portal} 页面探测")
    for page_name, elements in results.items():
        for element, matched in elements.items():
            found = seen[page_name][element] if seen else None
            table.add_row(escape(page_name), escape(element), _probe_cell(found, matched))
    Console(width=160).print(table)
    # elements only shown in states a read-only visit never causes (a refused login, an empty
    # result) are not failures; the probe report says which elements are really missing
    missing = getattr(results, "missing", None)
    if missing is None:
        missing = [f"{p}.{e}" for p, elements in results.items() for e, m in elements.items() if m is None]
    if missing:
        names = [".".join(m) if isinstance(m, tuple) else str(m) for m in missing]
        Console(stderr=True, width=160).print(
            f"[red]探测未通过，{len(names)} 个元素有问题：[/]{escape('、'.join(names))}\n"
            "请按上表修改 selectors/ams.yaml（或 RPA_SELECTORS_DIR 下的副本），再运行本命令。"
        )
    raise typer.Exit(1 if missing else 0)


def _probe_cell(seen: Any, matched: str | None) -> str:
    """One result cell: found by which candidate, or the problem in words."""
    from rich.markup import escape

    if seen is None:
        return escape(matched) if matched else "[yellow]未显示[/]"
    if seen.problem is None:
        by = f"候选 {seen.number}：" if seen.number else ""
        return f"找到（{by}{escape(seen.candidate or '')}）"
    words = _PROBLEM_WORDS.get(seen.problem, seen.problem)
    if seen.problem == "ambiguous":
        words += f"（候选 {seen.number} 匹配 {seen.count} 个）" if seen.number else f"（{seen.count} 个）"
    colour = "yellow" if seen.problem in ("not_visited", "state_only") else "red"
    return f"[{colour}]{words}[/]" + (f"：{escape(seen.why)}" if seen.why else "")
