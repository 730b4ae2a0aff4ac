"""CLI commands for operations: the mock portals, the demo, the doctor, refused operators and
pruning old runs; the scheduler's commands (rpa.cli.schedule_commands) are registered here too."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpa.cli.common import (
    app,
    command_group,
    handles_errors,
    print_outcome,
    run_with_progress,
    runs_app,
    settings,
)
from rpa.cli.schedule_commands import schedule_app
from rpa.errors import ConfigError

if TYPE_CHECKING:
    from rpa.run.runs import RunOutcome
    from rpa.settings import Settings

portals_app = command_group(
    help="模拟门户（AMS 和报表平台的离线替身）。\n\n"
    "The mock portals (offline stand-ins for AMS and the report platform).",
)
app.add_typer(portals_app, name="portals")
operators_app = command_group(
    help="被门户拒绝登录的操作员（解除前不再尝试）。\n\n"
    "Operators a portal refused at login (never tried again until cleared).",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")
app.add_typer(operators_app, name="operators")


@portals_app.command("serve")
@handles_errors
def portals_serve(
    ams_port: Annotated[int, typer.Option(help="AMS port on 127.0.0.1 (0: any free port).")] = 8801,
    reports_port: Annotated[int, typer.Option(help="Report platform port (0: any free port).")] = 8802,
    check_port: Annotated[
        int, typer.Option(help="Enterprise registration check (企业信息联网核查) port (0: any free port).")
    ] = 8803,
    faults: Annotated[Path | None, typer.Option(help="Fault knobs file (YAML/JSON), see README.")] = None,
    fault: Annotated[list[str] | None, typer.Option(help="One knob, key=value; repeatable.")] = None,
    seed: Annotated[Path | None, typer.Option(help="AMS filings that already exist (JSON).")] = None,
    state_dir: Annotated[Path | None, typer.Option(help="Keep portal state here across restarts.")] = None,
    no_admin: Annotated[bool, typer.Option("--no-admin", help="Turn the /_admin API off.")] = False,
    ams_variant: Annotated[
        str, typer.Option(help="AMS markup: standard, renamed (ids and names) or upgraded (also captions, "
                          "history headers, a 经办人 section).")
    ] = "standard",
    option_codes: Annotated[
        str, typer.Option(help="AMS select codes: standard, or shuffled (renumbered and reordered).")
    ] = "standard",
) -> None:
    """在 127.0.0.1 上运行模拟门户（AMS、报表平台、企业信息联网核查），直到按 Ctrl-C。

    Serve the mock portals on 127.0.0.1 until Ctrl-C."""
    from rpa.errors import UsageError

    try:
        from fixtures.portals.ams.codes import OPTION_CODES
        from fixtures.portals.ams.variant import MARKUP_VARIANTS
        from fixtures.portals.serve import serve_portals
    except ModuleNotFoundError as exc:  # the [portals] extra is not installed
        raise UsageError(
            f"模拟门户需要附加依赖 [portals]（缺少 {exc.name}）：请在项目目录运行 "
            "pip install '.[portals]'，或运行 make demo"
        ) from None

    if ams_variant not in MARKUP_VARIANTS:
        raise UsageError(f"--ams-variant 只能是 {'、'.join(MARKUP_VARIANTS)} 之一（收到 {ams_variant!r}）")

    if option_codes not in OPTION_CODES:
        raise ConfigError(f"--option-codes 应为 {' 或 '.join(OPTION_CODES)}，而不是「{option_codes}」")
    _check_fault_overrides(fault or [])
    _check_serving(ports={"--ams-port": ams_port, "--reports-port": reports_port, "--check-port": check_port},
                   files={"--faults": faults, "--seed": seed})

    def announce(urls: dict[str, str]) -> None:
        for name, url in urls.items():
            typer.echo(f"{name}：{url}", err=False)
        typer.echo("模拟门户运行中；按 Ctrl-C 停止", err=True)

    serve_portals(
        ams_port,
        reports_port,
        faults,
        seed,
        on_started=announce,
        fault_overrides=tuple(fault or ()),
        admin=not no_admin,
        state_dir=state_dir,
        ams_variant=ams_variant,
        option_codes=option_codes,
        check_port=check_port,
    )


def _check_serving(ports: dict[str, int], files: dict[str, Path | None]) -> None:
    """Each port in range, given once and free on 127.0.0.1, each file there: a UsageError naming
    the option (tester Y: a busy port or a missing faults file read as a program error)."""
    import socket

    from rpa.errors import UsageError

    named = [(option, port) for option, port in ports.items() if port != 0]
    for option, port in named:
        if not 0 < port < 65536:
            raise UsageError(f"{option} {port} 不是端口号：应为 1 至 65535（0 表示任选空闲端口）")
        if [p for _, p in named].count(port) > 1:
            raise UsageError(f"端口 {port} 给了两个门户：{option} 请另选一个端口")
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise UsageError(f"{option} {port}：127.0.0.1 上这个端口已被占用（可能模拟门户已在运行）："
                                 "请另选端口，或先停止占用它的进程") from None
    for option, path in files.items():
        if path is not None and not path.is_file():
            raise UsageError(f"{option} {path}：找不到这个文件，请检查路径")


def _check_fault_overrides(items: list[str]) -> None:
    """Each `--fault key=value` names a knob of fixtures/portals/FAULTS.md with a value it takes:
    a UsageError naming the knob otherwise (tester T's U9: a traceback as a program error)."""
    import yaml
    from pydantic import ValidationError

    from fixtures.portals.common.faults import FaultConfig
    from rpa.config_files import said
    from rpa.errors import UsageError

    for item in items:
        if "=" not in item:
            raise UsageError(f"--fault 应写成 键=值（如 --fault error_rate=0.1），而不是「{item}」")
        try:
            FaultConfig().with_overrides([item])
        except yaml.YAMLError:
            raise UsageError(f"--fault {item}：值写法有误（应是数、true/false、文字或 [a, b]）") from None
        except ValidationError as exc:
            first = exc.errors(include_input=False)[0]
            knob = ".".join(str(part) for part in first["loc"]) or item.partition("=")[0]
            raise UsageError(f"--fault {item}：{knob} {said(first)}（故障项见 fixtures/portals/FAULTS.md）"
                             ) from None


@app.command("demo")
@handles_errors
def demo() -> None:
    """启动模拟门户，用样例输入运行两个机器人，并显示输出位置。

    Mock portals up, both bots on the sample inputs; prints where the outputs are."""
    from rich.console import Console
    from rich.markup import escape

    from flows.demo.run import describe, run_demo

    cfg = settings()
    console = Console(soft_wrap=True)
    console.print("[bold]演示：[/]启动模拟门户，用样例输入运行两个机器人")

    def run_flow(demo_settings: Settings, flow: str, params: dict[str, Any]) -> RunOutcome:
        return run_with_progress(flow, params, workers=None, resume=None, trigger="demo", cfg=demo_settings)

    result = run_demo(cfg, run_flow)
    console.print("\n[bold]演示结束。[/]各项输出的位置：")
    for line in describe(result):
        console.print(escape(line), highlight=False)
    raise typer.Exit(result.exit_code)


@app.command("doctor")
@handles_errors
def doctor() -> None:
    """检查设置、配置文件、Chromium、字体、数据库和门户，指出问题（有问题时退出码为 2）。

    Check settings, configuration files, Chromium, fonts, database and portals; say what is wrong
    (exit 2 when anything is)."""
    from rpa.cli.doctor import run_checks

    results = run_checks(settings())
    for check in results:
        typer.echo(check.line())
    failed = [check for check in results if not check.ok]
    typer.echo(f"{len(failed)} 项有问题，请按上面的提示处理" if failed else "全部正常")
    raise typer.Exit(2 if failed else 0)


@operators_app.command("list")
@handles_errors
def operators_list() -> None:
    """列出被门户拒绝登录的操作员：解除前运行和续跑都会跳过他们。

    The operators a portal refused at login: runs and resumes skip them until cleared."""
    from zoneinfo import ZoneInfo

    from rpa.run.operators import PORTAL_NAMES, OperatorRefusals

    cfg = settings()
    found = OperatorRefusals.from_settings(cfg).listing()
    if not found:
        typer.echo("没有被拒绝登录的操作员")
        return
    zone = ZoneInfo(cfg.timezone)
    typer.echo("门户\t操作员\t拒绝时间\t门户提示\t批次")
    for refusal in found:
        when = refusal.refused_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{PORTAL_NAMES.get(refusal.portal, refusal.portal)}\t{refusal.masked_code}\t{when}\t"
                   f"{refusal.portal_message}\t{refusal.run_id or '-'}")
    typer.echo("核实密码或解锁后执行 `rpa operators clear 操作员代码` 解除")


@operators_app.command("clear")
@handles_errors
def operators_clear(
    code: Annotated[str, typer.Argument(help="The operator's code, as in RPA_AMS_OPERATORS.")],
) -> None:
    """允许再次以该操作员登录（在核实密码或解锁之后）。

    Let runs log in as this operator again (after a person has checked its password or had
    it unlocked); recorded in the audit chain of actions outside any run."""
    import getpass

    from rpa.audit.log import AuditLog
    from rpa.errors import UsageError
    from rpa.masking import FieldClass, mask
    from rpa.run.operators import OperatorRefusals

    cfg = settings()
    cleared = OperatorRefusals.from_settings(cfg).clear(code.strip())
    masked = mask(code.strip(), FieldClass.ACCOUNT_NO)
    if not cleared:
        raise UsageError(f"操作员 {masked} 没有被拒绝登录的记录：`rpa operators list` 列出被拒绝的操作员")
    audit = AuditLog.from_settings(cfg)
    audit.create_schema()
    for refusal in cleared:
        audit.append(None, getpass.getuser(), "operator.refusal_cleared", details={
            "portal": refusal.portal,
            "operator": masked,
            "refused_at": refusal.refused_at.isoformat(),
            "portal_message": refusal.portal_message,
            "refused_in_run": refusal.run_id,
        })
    typer.echo(f"已解除操作员 {masked} 的拒绝登录记录：下次运行将再次尝试登录")


@runs_app.command("prune")
@handles_errors
def runs_prune(
    older_than: Annotated[
        str | None, typer.Option("--older-than", help="Remove ended runs older than this, e.g. 180d.")
    ] = None,
) -> None:
    """删除旧的运行文件夹；运行台账记录每一个，`rpa audit verify --all` 仍核对并报告为已清理。

    Remove old run folders; the run ledger records each, so `rpa audit verify --all` still checks
    their chains and reports them as 已清理. Without --older-than nothing is removed; a run a
    person still has to finish (待复核, 异常处理, items not ended) is kept, and said so."""
    from rpa.audit.log import AuditLog
    from rpa.audit.prune import keyed_ends, parse_age, prunable, prune_runs
    from rpa.casework.waiting import still_open
    from rpa.errors import UsageError
    from rpa.run.runs import now_in

    if older_than is None:
        raise UsageError("默认不清理任何运行；请用 --older-than 给出天数，例如 --older-than 180d")
    cfg = settings()
    audit = AuditLog.from_settings(cfg)
    audit.create_schema()
    age, now = parse_age(older_than), now_in(cfg)
    open_runs, keyed = still_open(cfg), keyed_ends(audit)  # the ledger read and verified once
    pruned = prune_runs(audit, cfg.runs_dir, age, now, keep=open_runs, keyed=keyed)
    for run_id in pruned:
        typer.echo(f"已清理运行 {run_id}（运行账本已记录）")
    old = prunable(cfg.runs_dir, age, now, keyed)
    for folder in old:
        if folder.name in open_runs:
            typer.echo(f"未清理运行 {folder.name}：{open_runs[folder.name]}")
    for folder in sorted(set(prunable(cfg.runs_dir, age, now)) - set(old)):  # old by run.json alone
        typer.echo(f"未清理运行 {folder.name}：审计链和运行账本记录的最后时间不够旧，与 run.json 的"
                   "结束时间不符（run.json 可能被改动）；请用 rpa audit verify 核对该运行")
    typer.echo(f"共清理 {len(pruned)} 次运行")


__all__ = ["print_outcome"]
