"""The `rpa` command. Thin: parses arguments and calls flows and the engine.

Exit codes: 0 every item done; 1 the run finished but some items ended in business errors, were
held or failed; 2 bad usage or an unreadable input; 3 the run stopped early (run-fatal error).
Heavy modules are imported inside the commands so `rpa --help` answers at once.
"""

from __future__ import annotations

import atexit
import functools
import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rpa.runs import RunOutcome
    from rpa.settings import Settings

app = typer.Typer(help="RPA bots for the branch back office.", no_args_is_help=True, add_completion=False)
run_app = typer.Typer(help="Run a flow.", no_args_is_help=True)
runs_app = typer.Typer(help="Look at and retry runs.", no_args_is_help=True)
audit_app = typer.Typer(help="Verify and export audit chains.", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(runs_app, name="runs")
app.add_typer(audit_app, name="audit")

F = TypeVar("F", bound=Callable[..., Any])

# The last thing before the interpreter tears down (atexit runs the first registered last): without
# it, collecting the garbage of the engine's, pdfplumber's and Playwright's modules held `rpa run`
# about 0.3 s after its run had ended, for memory the process hands back anyway. Our files are
# closed and our records committed by then; the standard streams are still flushed.
atexit.register(gc.freeze)


def _err(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {message}", highlight=False)


def handles_errors(func: F) -> F:
    """Turn the suite's errors into a clear message and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from rpa.errors import RpaError, RunFatalError, UsageError
        from rpa.masking import scrub_text

        try:
            return func(*args, **kwargs)
        except UsageError as exc:
            _err(scrub_text(str(exc)))
            raise typer.Exit(2) from None
        except RunFatalError as exc:
            _err(scrub_text(str(exc)))
            raise typer.Exit(3) from None
        except RpaError as exc:
            _err(scrub_text(str(exc)))
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings() -> Settings:
    from rpa.logs import configure_logging
    from rpa.settings import load_settings

    configure_logging(level="WARNING")
    return load_settings()


def run_with_progress(
    flow: str,
    params: dict[str, Any],
    *,
    workers: int | None,
    resume: str | None,
    trigger: str = "cli",
    cfg: Settings | None = None,
) -> RunOutcome:
    """Run a flow with a rich progress bar, then print where its outputs are."""
    from rpa.supervisor import start_worker_server

    start_worker_server()  # first: the workers' imports overlap the settings and the engine's own
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rpa.orchestrate import execute_run

    cfg = cfg or settings()
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(flow, total=None, detail="preparing")

        def on_progress(counts: dict[str, int]) -> None:
            total = sum(counts.values())
            ended = total - counts.get("pending", 0) - counts.get("leased", 0)
            detail = " ".join(f"{k}={v}" for k, v in counts.items() if v and k != "pending")
            progress.update(task, total=total, completed=ended, detail=detail)

        outcome = execute_run(
            cfg, flow, params, trigger=trigger, resume=resume, workers=workers, on_progress=on_progress
        )
    print_outcome(outcome)
    return outcome


def print_outcome(outcome: RunOutcome) -> None:
    from rich.console import Console

    from rpa.outcomes import counts_text

    console = Console(soft_wrap=True)
    verdict = {
        0: "[green]all items done",
        1: "[yellow]finished with items needing attention",
        3: "[red]stopped early",
    }.get(outcome.exit_code, "[red]refused")
    counts = counts_text(outcome.counts)
    console.print(f"run [bold]{outcome.run_id}[/]: {verdict}[/] {counts}", highlight=False)
    if outcome.stop_reason:
        console.print(f"  reason: {outcome.stop_reason}", highlight=False)
    console.print(f"  run folder: {outcome.folder}", highlight=False)
    per_date = sorted(p.name for p in outcome.folder.glob("consolidated_*.xlsx"))
    for name in ("result.xlsx", "consolidated.xlsx", *per_date, "report.html", "run.json", "audit.jsonl",
                 "run.log"):
        if (outcome.folder / name).exists():
            console.print(f"  {name}: {outcome.folder / name}", highlight=False)


@run_app.command("smoke")
@handles_errors
def run_smoke(
    items: Annotated[int | None, typer.Option(help="How many pages to visit [default: 12].")] = None,
    modes: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated item modes, cycled: ok, business, "
            "system_once, system_always, fatal, slow, crash."
        ),
    ] = None,
    locked: Annotated[
        bool | None,
        typer.Option("--locked/--unlocked", help="Whether 'fatal' items find the operator locked."),
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default from settings).")] = None,
    resume: Annotated[str | None, typer.Option(help="Resume this run id.")] = None,
) -> None:
    """Run the built-in smoke flow: a local site, real Chromium, the queue and the audit chain."""
    flow_params: dict[str, Any] = {}
    if items is not None:
        flow_params["items"] = items
    if modes is not None:
        flow_params["modes"] = [m.strip() for m in modes.split(",") if m.strip()]
    if locked is not None:
        flow_params["locked"] = locked
    outcome = run_with_progress("smoke", {"flow_params": flow_params}, workers=workers, resume=resume)
    raise typer.Exit(outcome.exit_code)


@runs_app.command("list")
@handles_errors
def runs_list(limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20) -> None:
    """The most recent runs, newest first."""
    from rich.console import Console
    from rich.table import Table

    from rpa.runs import list_runs

    table = Table("run id", "flow", "trigger", "started", "exit", "counts")
    for run in list_runs(settings())[:limit]:
        counts = run.get("counts") or {}
        table.add_row(
            run.get("run_id", "?"),
            run.get("flow", "?"),
            run.get("trigger", "?"),
            run.get("started_at", "?")[:19],
            str(run.get("exit_code", "running?")),
            " ".join(f"{k}={v}" for k, v in counts.items() if v),
        )
    Console().print(table)


@runs_app.command("show")
@handles_errors
def runs_show(run_id: str) -> None:
    """One run: its run.json summary and every item's state (masked)."""
    from rich.console import Console
    from rich.table import Table

    from rpa.masking import scrub_text
    from rpa.queue import WorkQueue
    from rpa.runs import read_run_json, run_folder

    cfg = settings()
    folder = run_folder(cfg, run_id)
    info = read_run_json(folder)
    console = Console(soft_wrap=True)
    for key in ("run_id", "flow", "trigger", "started_at", "ended_at", "exit_code", "counts", "stop_reason"):
        console.print(f"[bold]{key}[/]: {info.get(key)}", highlight=False)
    console.print(f"[bold]folder[/]: {folder}", highlight=False)
    table = Table("item", "state", "attempts", "error", "note")
    for item in WorkQueue.from_settings(cfg).items(run_id):
        result = item.result or {}
        table.add_row(
            str(item.id),
            str(item.state),
            str(item.attempts),
            scrub_text(f"{item.last_error_code or ''} {item.last_error_message or ''}".strip()),
            scrub_text(str(result.get("note") or result.get("status") or "")),
        )
    console.print(table)


@runs_app.command("retry")
@handles_errors
def runs_retry(
    run_id: str,
    items: Annotated[
        list[int] | None, typer.Option("--items", help="Item ids; default all ended with errors.")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
) -> None:
    """Put chosen ended items (business errors, failed, held) back to pending and resume the run."""
    from rpa.audit import AuditLog
    from rpa.queue import WorkQueue
    from rpa.runs import run_folder

    cfg = settings()
    run_folder(cfg, run_id)
    queue = WorkQueue.from_settings(cfg)
    retried = queue.retry(run_id, items or None)
    AuditLog.from_settings(cfg).append(run_id, "operator", "items.retried", details={"items": retried})
    typer.echo(f"{len(retried)} items back to pending: {retried}")
    left = sorted(set(items or ()) - set(retried))
    if left:
        typer.echo(
            f"left alone: {left} (not ended with an error, or a later item of the same order group "
            "is being worked: retry them once it has ended)"
        )
    outcome = run_with_progress("", {}, workers=workers, resume=run_id, trigger="retry", cfg=cfg)
    raise typer.Exit(outcome.exit_code)


@audit_app.command("verify")
@handles_errors
def audit_verify(
    run_id: Annotated[str | None, typer.Argument(help="Run id.")] = None,
    all_runs: Annotated[bool, typer.Option("--all", help="Every run in the database.")] = False,
) -> None:
    """Check a run's audit chain in the database and its exported audit.jsonl."""
    from rpa.audit import AuditLog
    from rpa.errors import UsageError

    cfg = settings()
    audit = AuditLog.from_settings(cfg)
    if all_runs:
        targets = audit.run_ids()
    elif run_id:
        targets = [run_id]
    else:
        raise UsageError("name a run id, or --all")
    failed = False
    for target in targets:
        result = audit.verify(target)
        typer.echo(f"{target}: database chain {result}")
        failed |= not result.ok
        export = cfg.runs_dir / target / "audit.jsonl"
        if export.exists():
            exported = audit.verify_export(export)
            typer.echo(f"{target}: {export.name} {exported}")
            failed |= not exported.ok
    raise typer.Exit(1 if failed else 0)


@audit_app.command("export")
@handles_errors
def audit_export(run_id: str) -> None:
    """Write the run's audit chain to runs/<run id>/audit.jsonl (masked; a diagnostic)."""
    from rpa.audit import AuditLog
    from rpa.runs import run_folder

    cfg = settings()
    folder = run_folder(cfg, run_id)
    path = AuditLog.from_settings(cfg).export(run_id, folder / "audit.jsonl")
    typer.echo(str(path))


def _register_command_modules() -> None:
    """Commands defined in sibling modules attach themselves to the apps above."""
    import rpa._cli_flows
    import rpa._cli_ops  # noqa: F401


_register_command_modules()
