"""A run's outputs are written once, early (while workers wind down) or at the close."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from loguru import logger

from rpa.errors import ConfigError
from rpa.run.flow import Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.orchestrate import open_run
from rpa.run.outputs import RunOutputs
from rpa.run.runs import RunContext
from rpa.settings import Settings


class WritingFlow(Flow):
    name = "writing"
    finish_from_queue = True

    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.finished = 0

    def prepare(self, ctx: RunContext) -> Prepared:
        return Prepared(enqueued=0)

    @contextmanager
    def open_worker(self, wctx: WorkerContext) -> Iterator[ItemHandler]:
        yield lambda item: {}

    def finish(self, ctx: RunContext) -> list[Path]:
        self.finished += 1
        if self.failure is not None:
            raise self.failure
        return [ctx.folder / "out.xlsx"]


@pytest.fixture
def ctx(tmp_path: Path) -> RunContext:
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    return open_run(settings, "smoke", {}, trigger="cli")


def test_outputs_written_early_are_not_written_again_at_the_close(ctx: RunContext) -> None:
    flow = WritingFlow()
    outputs = RunOutputs(ctx, flow)
    outputs.write_early()
    assert outputs.write() == [ctx.folder / "out.xlsx"]
    assert flow.finished == 1


def test_a_bug_in_early_outputs_fails_the_outputs_with_its_traceback_logged(ctx: RunContext) -> None:
    flow = WritingFlow(failure=KeyError("figures"))
    outputs = RunOutputs(ctx, flow)
    errors: list[str] = []
    sink = logger.add(lambda message: errors.append(str(message)), level="ERROR", format="{message}",
                      diagnose=False)
    try:
        outputs.write_early()  # the supervisor goes on waiting for its workers
        assert outputs.write() == []
    finally:
        logger.remove(sink)
    assert flow.finished == 1
    assert outputs.failed and "KeyError" in outputs.failed
    assert any("KeyError" in e and "Traceback" in e for e in errors), errors
    assert outputs.problems()[0].startswith("写出结果文件失败：程序错误（KeyError）")


def test_a_full_disk_while_writing_outputs_still_stops_the_run(ctx: RunContext) -> None:
    import errno

    outputs = RunOutputs(ctx, WritingFlow(failure=OSError(errno.ENOSPC, "No space left on device")))
    outputs.write_early()
    with pytest.raises(OSError):
        outputs.write()


def test_a_refused_output_is_logged_and_the_run_closes_without_outputs(ctx: RunContext) -> None:
    flow = WritingFlow(failure=ConfigError("config/scorecard.yaml: weights must add up to 1"))
    outputs = RunOutputs(ctx, flow)
    errors: list[str] = []
    sink = logger.add(lambda message: errors.append(str(message)), level="ERROR", format="{message}")
    try:
        outputs.write_early()
        assert outputs.write() == []
    finally:
        logger.remove(sink)
    assert errors == ["写出结果文件失败：config/scorecard.yaml: weights must add up to 1\n"]
    assert flow.finished == 1
