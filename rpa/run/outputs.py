"""A run's outputs (result.xlsx and the like, written by the flow's `finish()`), written once:
at the close, or early while the workers wind down; a failure to write them is kept so the run
cannot exit 0."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rpa.errors import RpaError, outcome_for
from rpa.masking import scrub_text
from rpa.run.flow import Flow
from rpa.run.report import FlowSections, InputRow
from rpa.run.runs import RunContext


class RunOutputs:
    """The flow's outputs, written once: at the close, or as soon as no item is open while the
    workers wind down when the flow's `finish()` reads only the queue (`Flow.finish_from_queue`)."""

    def __init__(self, ctx: RunContext, flow: Flow | None) -> None:
        self._ctx = ctx
        self.flow = flow  # None: the flow could not be built (the run is refused)
        self.paths: list[Path] | None = None
        self._failure: Exception | None = None
        self.failed: str | None = None  # why writing the outputs failed: the run cannot exit 0

    def write(self) -> list[Path]:
        if self._failure is not None:
            raise self._failure
        if self.paths is None:
            self.paths = []
            if self.flow is None:
                return self.paths
            try:
                self.paths = self.flow.finish(self._ctx)
            except Exception as exc:
                disposition = outcome_for(exc)
                if disposition.run_fatal and not isinstance(exc, RpaError):
                    raise  # a full disk or a refused write: the run stops (exit 3), resumable
                if disposition.keep_traceback:  # a bug: its traceback goes to run.log, masked
                    self.failed = bug_words(exc)
                    self._ctx.log.opt(exception=exc).error(f"写出结果文件失败：{self.failed}")
                else:
                    self.failed = scrub_text(str(exc))
                    self._ctx.log.error(f"写出结果文件失败：{self.failed}")
        return self.paths

    def problems(self) -> list[str]:
        """Why the outputs are not a whole, clean picture (after `write`)."""
        found = [f"写出结果文件失败：{self.failed}"] if self.failed else []
        return found + (self.flow.output_problems(self._ctx) if self.flow is not None else [])

    def report_rows(self) -> Sequence[InputRow] | None:
        """The input's rows for report.html (after `write`); None when there are none to show."""
        return self.flow.report_rows(self._ctx) if self.paths and self.flow is not None else None

    def report_sections(self) -> FlowSections | None:
        """The flow's reconciliations and rankings for report.html (after `write`)."""
        return self.flow.report_sections(self._ctx) if self.paths and self.flow is not None else None

    def not_done_elsewhere(self) -> int:
        """Rows of this run's input that another run holds and has not done (after `write`)."""
        return self.flow.not_done_elsewhere if self.flow is not None else 0

    def write_early(self) -> None:
        """`write`, while the workers wind down: a bug's exception waits for the close (the
        workers end first, as they did when outputs were written only at the close)."""
        try:
            self.write()
        except Exception as exc:
            self._failure = exc


def bug_words(exc: Exception) -> str:
    """What a clerk reads of an unexpected failure: the file a write failed on, else the type."""
    if isinstance(exc, OSError) and exc.filename:
        target = exc.filename2 or exc.filename  # a rename names its target second
        return scrub_text(f"无法写入 {target}（{exc.strerror}）")
    return f"程序错误（{type(exc).__name__}）：请把 run.log 交给维护人员"
