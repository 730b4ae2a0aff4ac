"""What every `rpa` command shares: the command tree's groups, the error-to-exit-code wrapper,
option checks, settings, and running a flow with a progress bar.

The commands attach themselves to the groups here (rpa/cli/main.py, bot_commands.py,
ops_commands.py); `rpa.cli.main.app` is the command with all of them. Heavy modules are imported
inside the functions so `rpa --help` answers at once.
"""
from __future__ import annotations

import atexit
import functools
import gc
import os
import warnings
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from typer.exceptions import TyperException

if TYPE_CHECKING:

    from rpa.run.runs import RunOutcome
    from rpa.settings import Settings


def command_group(help: str, **options: Any) -> typer.Typer:
    """A command group whose --help is click's plain text: rich's help formatting alone imports
    about 0.2 s of modules, and `rpa --help` should answer at once (benchmarks/cli_help.py)."""
    return typer.Typer(help=help, rich_markup_mode=None, **options)


app = command_group(
    help="银行网点后台的 RPA 机器人（账户备案、报表提取）。\n\nRPA bots for the branch back office.",
    no_args_is_help=True, add_completion=False,
)
run_app = command_group(help="运行一个流程。\n\nRun a flow.", no_args_is_help=True)
runs_app = command_group(help="查看和重试运行。\n\nLook at and retry runs.", no_args_is_help=True)
audit_app = command_group(help="校验和导出审计链。\n\nVerify and export audit chains.", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(runs_app, name="runs")
app.add_typer(audit_app, name="audit")

F = TypeVar("F", bound=Callable[..., Any])
# what a command raises to end itself, as it chose: never an error to translate
# typer (0.29) carries its own click; its usage errors derive from TyperException. The real click is
# not a dependency: a bare `pip install .` does not have it.
_PASSED_ON = (typer.Exit, typer.Abort, TyperException)

# The last thing before the interpreter tears down (atexit runs the first registered last): without
# it, collecting the garbage of the engine's, pdfplumber's and Playwright's modules held `rpa run`
# about 0.3 s after its run had ended, for memory the process hands back anyway. Our files are
# closed and our records committed by then; the standard streams are still flushed.
atexit.register(gc.freeze)


def _private_umask() -> None:
    """Make everything this process and its children create owner-only, whatever umask it was
    started with: the queue database and its -wal/-shm files (SQLite gives them the database's
    mode), run folders, workers' scratch files, the mock portals' logs and state. The umask only
    narrows: a stricter one set by the operator stays."""
    os.umask(os.umask(0o077) | 0o077)


_private_umask()


def _err(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, soft_wrap=True)
    for line in message.splitlines() or [""]:  # one line per reason
        console.print(f"[bold red]错误：[/]{escape(line)}", highlight=False)


def _warn(message: str) -> None:
    typer.echo(message, err=True)


def handles_errors(func: F) -> F:
    """Turn any exception into a clear Chinese message and the exit code `rpa.errors.outcome_for`
    gives it (2 bad usage or configuration, 3 run-fatal, 1 anything else of the tree). A bug (an
    exception outside the tree) prints one line saying where its traceback was written
    (`runs/_errors/<time>.log`, masked) and exits 1: never a raw traceback on the terminal."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                # a spreadsheet's oddities (no default style, unknown extensions) are not the
                # clerk's to read; what cannot be read is refused by the readers
                warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
                return func(*args, **kwargs)
        except _PASSED_ON:
            raise  # the command's own exit code, or click's usage message
        except BrokenPipeError:
            _output_closed()
            raise typer.Exit(EXIT_OUTPUT_CLOSED) from None
        except Exception as exc:
            message, code = error_exit(exc)
            _err(message)
            raise typer.Exit(code) from None

    return wrapper  # type: ignore[return-value]


def _output_closed() -> None:
    """The reader of the output went away (`rpa ... | head`): not a bug. Say so once on stderr
    and point stdout at /dev/null, so the interpreter's last flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    _err("输出已被读取方提前关闭（如 | head），命令的输出不完整")


def error_exit(exc: Exception) -> tuple[str, int]:
    """What the terminal shows for `exc` (masked Chinese) and the exit code `outcome_for` gives."""
    from rpa.errors import RpaError, outcome_for
    from rpa.masking import scrub_text

    error = _in_the_tree(exc)
    disposition = outcome_for(error)
    if disposition.keep_traceback:
        from rpa.cli.bug_log import write_bug_log

        where = write_bug_log(exc)
        return (f"程序错误（{type(exc).__name__}），命令未完成：详情已写入 {where}，"
                "请把该文件交给维护人员"), EXIT_BUG
    if isinstance(error, RpaError):
        figures = getattr(error, "report_figures", False)  # a report's 523456700元 is no account
        return scrub_text(str(error), digit_runs=not figures), disposition.exit_code
    first = next((line.strip() for line in str(error).splitlines() if line.strip()), "没有说明")
    return scrub_text(f"{type(error).__name__}：{first}"), disposition.exit_code  # e.g. the browser's


EXIT_BUG = 1  # a bug in a command: exit 1, its traceback in a file (`write_bug_log`)
EXIT_OUTPUT_CLOSED = 1  # the reader of the output went away: what it did not read is lost


def _in_the_tree(exc: Exception) -> BaseException:
    """The error of the tree a few outside exceptions stand for: a full disk or a refused write
    (DiskRefused), a database that cannot be reached (ConfigError); any other one as it is."""
    from rpa.disk import as_run_fatal
    from rpa.errors import ConfigError

    fatal = as_run_fatal(exc)
    if fatal is not None:
        return fatal
    if type(exc).__name__ == "OperationalError" and type(exc).__module__.startswith("sqlalchemy"):
        return ConfigError(
            "无法使用数据库（OperationalError）：请检查 RPA_DATABASE_URL 指向的数据库是否可以连接"
        )
    return exc


def date_option(option: str, text: str) -> date:
    """A YYYY-MM-DD (or YYYYMMDD) command value, or a UsageError naming the option; ISO's week
    dates (2026-W49-4), which `date.fromisoformat` also reads, are refused."""
    from rpa.errors import UsageError

    try:
        if not text.strip().replace("-", "").isdigit():
            raise ValueError(text)
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} 的值不是日期：请写成 YYYY-MM-DD，例如 2026-11-30") from None


def count_option(option: str, value: int | None) -> int | None:
    """A count that must be at least 1 (workers, items), or a UsageError naming the option."""
    from rpa.errors import UsageError

    if value is not None and value < 1:
        raise UsageError(f"{option} 应至少为 1：请给出一个正整数")
    return value


def settings() -> Settings:
    from rpa.input_files import apply_input_limits
    from rpa.logs import configure_logging
    from rpa.settings import load_settings

    configure_logging(level="WARNING")
    loaded = load_settings(warn=_warn)
    apply_input_limits(loaded)
    return loaded


def run_with_progress(
    flow: str,
    params: dict[str, Any],
    *,
    workers: int | None,
    resume: str | None,
    trigger: str = "cli",
    cfg: Settings | None = None,
    enqueue_only: bool = False,
) -> RunOutcome:
    """Run a flow with a rich progress bar, then print where its outputs are (`enqueue_only`:
    enqueue it, print its run id and how it is worked)."""
    count_option("--workers", workers)
    cfg = cfg or settings()  # a refused setting ends the command before anything heavy starts
    from rpa.run.worker_server import start_worker_server

    start_worker_server()  # next: the workers' imports overlap the engine's own and the preparation
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rpa.outcomes import counts_text
    from rpa.run.orchestrate import execute_run

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
        task = progress.add_task(flow, total=None, detail="准备中")

        def on_progress(counts: dict[str, int], awaiting: int, words: dict[str, int]) -> None:
            ended = sum(counts.values()) - counts.get("pending", 0) - counts.get("leased", 0)
            shown = {k: v for k, v in counts.items() if k != "pending"}  # none yet: not 没有事项 (tester AM)
            said = any(shown.values()) or not counts
            detail = counts_text(shown, awaiting, words) if said else "尚无办结的事项"
            progress.update(task, total=sum(counts.values()), completed=ended, detail=detail)

        outcome = execute_run(
            cfg, flow, params, trigger=trigger, resume=resume, workers=workers, on_progress=on_progress,
            enqueue_only=enqueue_only,
        )
    if enqueue_only and outcome.exit_code == 0:
        from rpa.cli.aside_words import enqueued_words

        typer.echo(enqueued_words(cfg, flow, outcome))
        return outcome
    print_outcome(outcome)
    return outcome


def counts_words(run: dict[str, Any], text: str) -> str:
    """A run's counts as its clerk reads them: a dry run's never read as filed."""
    if ((run.get("parameters") or {}).get("flow_params") or {}).get("dry_run"):
        return f"演练，未向 AMS 提交：{text}"
    return text


def stopped_advice(outcome: RunOutcome) -> str:
    """What to type after a run stopped early: `--resume` works its unfinished items only; a run
    whose items all ended is taken up with `rpa cases retry` (tester Q's Q9), which puts back its
    system failures only: `rpa runs retry` without `--items` would release rows held for a person
    too (one caught at 确认提交 among them), and the code review of 2026-12-06 said so."""
    unfinished = outcome.counts.get("pending", 0) + outcome.counts.get("leased", 0)
    if unfinished or not any(outcome.counts.values()):  # none queued yet: a resume reads the input again
        return "可用 --resume 续跑"
    return f"没有未完成的事项，--resume 不再办理：查明原因后用 rpa cases retry {outcome.run_id} 重试系统故障"


def print_outcome(outcome: RunOutcome) -> None:
    from rich.console import Console
    from rich.markup import escape

    from rpa.outcomes import counts_as_closed
    from rpa.run.runs import read_run_json

    console = Console(soft_wrap=True)
    verdict = {
        0: "[green]全部完成",
        1: "[yellow]已结束，有事项需要处理",
        3: f"[red]提前停止，{escape(stopped_advice(outcome))}",
    }.get(outcome.exit_code, "[red]被拒绝")
    try:
        run = read_run_json(outcome.folder)
    except (OSError, ValueError):  # damaged: verify says so; the counts are still the run's
        run = {}
    words = counts_words(run, counts_as_closed(outcome.counts, run) if outcome.counts else "")
    busy = ("business_error", "failed", "held")
    if outcome.exit_code == 1 and not any(outcome.counts.get(k) for k in busy):
        # what needs a person is no item (a row put aside, a failed check): not （没有事项）, AG, AF;
        # a result file named only when one was written (tester AQ: a list refused, none written)
        kept, book = words.replace("没有事项", "").rstrip("：；"), any(outcome.folder.glob("*.xlsx"))
        words = "；".join(w for w in (kept, f"需要处理的见上方提示{'和结果文件' * book}") if w)
    counts = f"（{escape(words.rstrip('：'))}）" if words else ""  # a dry run says so, counted or not
    console.print(f"运行 [bold]{escape(outcome.run_id)}[/]：{verdict}[/]{counts}", highlight=False)
    if outcome.stop_reason:
        console.print(f"  原因：{escape(outcome.stop_reason)}", highlight=False)
    console.print(f"  运行文件夹：{escape(str(outcome.folder))}", highlight=False)
    per_date = sorted(p.name for p in outcome.folder.glob("consolidated_*.xlsx"))
    for name in ("result.xlsx", "consolidated.xlsx", *per_date, "reconciliation.xlsx", "report.html",
                 "run.json", "audit.jsonl", "run.log"):
        if (outcome.folder / name).exists():
            console.print(f"  {name}：{escape(str(outcome.folder / name))}", highlight=False)

