"""Live progress of a run, pushed by server-sent events: done, failed, held, in hand and pending,
the item in hand, and the verdict when the run ends (run.json's exit code).

`?after=<ISO time>` (the 复核 page's redirect after a decision): the run is about to be resumed,
so run.json's exit code is the earlier end's until the resume ends. The page then waits for an
end recorded after that time, with no console resume of the run under way and no approved row
left pending (unless that end was a stop or a refusal, which leaves rows pending for a resume)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select

from rpa.console.files import check_run_id
from rpa.console.launch import resume_under_way
from rpa.console.run_pages import state_words
from rpa.console.web import Refused, guarded_router, render, state_of
from rpa.db import engine_for
from rpa.outcomes import STATE_LABELS, counts_text
from rpa.queue.models import ItemState
from rpa.queue.schema import items
from rpa.queue.work_queue import WorkQueue
from rpa.run.owners import RunOwners
from rpa.run.runs import read_run_json

if TYPE_CHECKING:
    from rpa.settings import Settings

router = guarded_router()
TICK_SECONDS = 1.0
START_PATIENCE_TICKS = 120  # a run whose run.json has not appeared after this is reported as not started
# after a decision: neither the run nor a resume of it has been under way for START_PATIENCE_TICKS
RESUME_LOST = ("续跑没有进行或未能完成（运行结果仍是上一次的）：请查看运行文件夹中的 console-launch.log，"
               "需要时用 rpa run account-filing --resume 运行编号 续跑")


@router.get("/runs/{run_id}/progress", response_class=HTMLResponse)
def progress_page(request: Request, run_id: str, after: str | None = None) -> HTMLResponse:
    folder = state_of(request).settings.runs_dir / check_run_id(run_id)
    if not folder.is_dir():
        raise Refused(404, f"没有运行 {run_id}：请从首页的运行列表打开")
    _moment(after)  # a malformed time is refused here, not only by the event stream
    # the counts named with the words of `rpa runs list` and 任务详情 (rpa.outcomes)
    return render(request, "progress.html.j2", run_id=run_id, after=after or "", labels=STATE_LABELS)


def _moment(text: str | None) -> datetime | None:
    """`after` as a time (None: not given); a malformed one is refused, never ignored."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(400, f"进度页的时间参数 {text!r} 的写法不对：请从复核页面或任务详情打开") from None
    if moment.tzinfo is None:
        raise Refused(400, f"进度页的时间参数 {text!r} 缺少时区：请从复核页面或任务详情打开")
    return moment


def ended_since(run: dict[str, Any], after: datetime | None) -> bool:
    """Whether run.json records an end (at or) after `after` (any end when None)."""
    if run.get("exit_code") is None:
        return False
    if after is None:
        return True
    ended = run.get("ended_at")
    return bool(ended) and datetime.fromisoformat(str(ended)) >= after


def in_hand(queue: WorkQueue, run_id: str, most: int = 3) -> list[str]:
    """The items a worker holds now, as `事项 12（第 14 行）` (the input row, when the item has one)."""
    query = (select(items.c.id, items.c.payload)
             .where(items.c.run_id == run_id, items.c.state == ItemState.LEASED.value)
             .order_by(items.c.id).limit(most))
    with engine_for(queue.url).connect() as conn:
        rows = conn.execute(query).all()
    return [f"事项 {row.id}" + (f"（第 {row.payload['row']} 行）"
                                if isinstance(row.payload, dict) and row.payload.get("row") else "")
            for row in rows]


def snapshot(queue: WorkQueue, run_id: str, run: dict[str, Any], after: datetime | None = None,
             folder: Path | None = None) -> dict[str, Any]:
    """The run's counts now; `after` (and the run's `folder`): see the module's docstring."""
    counts = queue.counts(run_id)
    total = sum(counts.values())
    current = "、".join(in_hand(queue, run_id)) if counts[ItemState.LEASED] else ""
    ended = total - counts[ItemState.PENDING] - counts[ItemState.LEASED]
    finished = ended_since(run, after)
    if after is not None and finished:
        settled = counts[ItemState.PENDING] + counts[ItemState.LEASED] == 0 or run.get("exit_code") in (2, 3)
        finished = settled and (folder is None or not resume_under_way(folder))
    return {
        "total": total, "ended": ended,
        "done": counts[ItemState.DONE], "failed": counts[ItemState.FAILED],
        "business_error": counts[ItemState.BUSINESS_ERROR], "held": counts[ItemState.HELD],
        "in_hand": counts[ItemState.LEASED], "pending": counts[ItemState.PENDING],
        "current": current or "无",
        "text": counts_text({k.value: v for k, v in counts.items()},  # 待复核 as the rows read (tester AJ)
                            queue.awaiting_checker(run_id) if counts[ItemState.HELD] else 0),
        "finished": finished,
        "verdict": state_words(run) if finished else "",
    }


@router.get("/runs/{run_id}/events")
async def events(request: Request, run_id: str, after: str | None = None) -> StreamingResponse:
    settings = state_of(request).settings
    since = _moment(after)
    folder = settings.runs_dir / check_run_id(run_id)
    queue = WorkQueue.from_settings(settings)

    async def stream() -> AsyncIterator[str]:
        waited = 0
        while not await request.is_disconnected():
            run = read_run_json(folder)
            if not run:
                waited += 1
                if waited > START_PATIENCE_TICKS:
                    yield _event("end", {"finished": True, "verdict": "运行未能开始：请查看运行文件夹中的 "
                                                                   "console-launch.log"})
                    return
            else:
                data = await run_in_threadpool(snapshot, queue, run_id, run, since, folder)
                if since is not None and not data["finished"]:
                    idle = await run_in_threadpool(_nothing_under_way, settings, run_id, folder)
                    waited = waited + 1 if idle else 0
                    if waited > START_PATIENCE_TICKS:
                        yield _event("end", {**data, "finished": True, "verdict": RESUME_LOST})
                        return
                yield _event("end" if data["finished"] else "progress", data)
                if data["finished"]:
                    return
            await asyncio.sleep(TICK_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _nothing_under_way(settings: Settings, run_id: str, folder: Path) -> bool:
    """No console resume of the run holds or waits for its lock, and the run is not running."""
    return not resume_under_way(folder) and RunOwners.from_settings(settings).state(run_id) != "running"


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
