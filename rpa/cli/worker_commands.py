"""`rpa worker --flow F`: this host's workers on every run of one flow, from the shared queue,
until SIGTERM or Ctrl-C (the item in hand is finished, nothing stays leased; exit 0)."""

from __future__ import annotations

from typing import Annotated

import typer

from rpa.cli.common import app, count_option, handles_errors, settings

FLOW_HELP = "account-filing, report-extraction or enterprise-check."
WORKERS_HELP = "Worker processes on this host (default RPA_WORKERS)."


@app.command("worker")
@handles_errors
def worker(
    flow: Annotated[str, typer.Option("--flow", help=FLOW_HELP)],
    workers: Annotated[int | None, typer.Option(help=WORKERS_HELP)] = None,
) -> None:
    """在本主机上为某流程的所有运行办理队列中的事项，直到收到停止信号（SIGTERM/Ctrl-C）。

    Work the shared queue's items of every run of one flow on this host until stopped."""
    import threading

    from rpa.logs import configure_logging
    from rpa.run.host_workers import serve_flow, stop_on_signals

    count_option("--workers", workers)
    cfg = settings()
    configure_logging(console=True)
    stop_event = threading.Event()
    with stop_on_signals(stop_event):
        code = serve_flow(cfg, flow, workers=workers or cfg.workers, stop_event=stop_event,
                          on_run=lambda run_id: typer.echo(f"运行 {run_id}：本主机（{cfg.host_id}）加入办理"))
    raise typer.Exit(code)
