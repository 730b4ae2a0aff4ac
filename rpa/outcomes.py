"""One word per outcome: what report.html, result.xlsx, the CLI and the logs call each outcome.

    >>> outcome_label("needs_person"), outcome_label("held"), state_label("held")
    ('需人工处理', '需人工处理', '需人工处理')
    >>> item_label("business_error", {"status": "refused"}), item_label("done", {"status": "done"})
    ('门户拒绝', '已完成')

Two vocabularies share the words. A *row outcome* is what became of one input row (result.xlsx,
the filing report's rows); an *item state* is where a work item of the queue stands (run
report tiles, CLI summaries). Where the two mean the same thing (a held item and a row for a
person; a pending item and an unfinished row; a failed item and a failed row) they use the same
word, so a clerk never meets two words for one thing. One item shown on its own (`rpa runs
show`, its run.log line, report.html's item list, the console's run page) reads as its row does
in result.xlsx: `item_label`; only tallies by state (`counts_text`) use the state words alone.
A reconciliation says of each figure two sources show (a branch's own report and the summary)
`MATCH` or `MISMATCH`. Everything here is Chinese only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

NEEDS_PERSON = "需人工处理"
NOT_FINISHED = "未完成"
FAILED = "失败"

# row outcome code -> the one Chinese word for it
OUTCOME_LABELS: dict[str, str] = {
    "filed": "已报备",
    "already_filed": "此前已报备",
    "would_file": "演练：待报备",
    "refused": "门户拒绝",
    "rejected": "业务错误",
    "held": NEEDS_PERSON,
    "failed": FAILED,
    "pending": NOT_FINISHED,
    "elsewhere": "他批次办理中",
    "invalid": "无效，未报备",
    "needs_person": NEEDS_PERSON,
    "awaiting_approval": "待复核",  # a run set for approval: the row waits for a checker
    "rejected_by_checker": "复核退回",  # a checker rejected the row: never filed
    "passed": "通过",  # an enterprise registration check that found the row as the portal has it
    "filed_by_hand": "人工报备",  # a person filed it in AMS; a checker approved the mark (rpa.casework)
    # a valid row a run read but never enqueued (it stopped first, at its login to AMS): filings due
    "not_queued": "运行未办理，未报备",
}

# in an item's result: its ending was decided without the portal (`RpaError.on_a_page` False),
# so no page an attempt of it showed is its evidence (`rpa.run.report_evidence.last_failure_shot`)
OFF_THE_PAGE = "off_the_page"
# a system-failed item's result key: an earlier attempt's irreversible step (a press of the
# portal's submit) got no answer, so the portal may have done it (`rpa.run.settle` keeps it)
MAY_BE_DONE = "may_be_done"
MAY_BE_DONE_WORDS = "此前一次提交未收到门户应答，可能已办理：请勿人工重复办理，先重试（重试前会先在门户查询）"
# the same mark on a bug (an exception outside the error tree, which has no details), as a
# PEP 678 note: it also stands in the traceback the run log keeps
MAY_BE_DONE_NOTE = "may_be_done: raised after a submit the portal did not answer; the portal may have done it"


def may_be_done(exc: BaseException) -> bool:
    """Whether `exc` says the portal may have done the item (`MAY_BE_DONE` in an error's
    details, or `MAY_BE_DONE_NOTE` among a bug's notes)."""
    details = getattr(exc, "details", None)
    if isinstance(details, dict) and details.get(MAY_BE_DONE):
        return True
    return MAY_BE_DONE_NOTE in getattr(exc, "__notes__", ())

# a flow (its command's name, or a run id's part) -> the words a clerk reads for it
FLOW_NAMES = {"account_filing": "账户备案", "report_extraction": "报表提取",
              "enterprise_check": "企业信息核查", "account_reconciliation": "账户核对", "smoke": "冒烟测试"}
FLOW_NAMES.update({name.replace("_", "-"): words for name, words in FLOW_NAMES.items()})

# a figure two sources show (a branch's own report and the summary): the same, or not
MATCH = "相符"
MISMATCH = "不符"

# work item state (rpa.queue.work_queue.ItemState values) -> the one Chinese word for it
STATE_LABELS: dict[str, str] = {
    "done": "已完成",
    "business_error": "业务错误",
    "failed": FAILED,
    "held": NEEDS_PERSON,
    "pending": NOT_FINISHED,
    "leased": "处理中",
}


# scheduler fire outcome (schedule_fires.outcome) -> the words `rpa schedule list` shows
FIRE_LABELS: dict[str, str] = {
    "running": "运行中",
    "ok": "全部完成",
    "failed": "已结束，有事项需要处理",
    "stopped": "提前停止，需要处理",
    "error": "启动失败",
    "interrupted": "已中断，下次启动时续跑",
    "abandoned": "进程已不在，下次启动时续跑",
    "no_input": "没有新文件",
    "skipped_overlap": "跳过：上一次仍在运行",
    "skipped_window": "跳过：不在服务时段内",
    "skipped_paused": "跳过：已暂停",
    "missed": "错过",
    "held": "暂不启动：之前的一次需要处理",
    "backfilled": "错过，已并入后来的一次补跑",
    "closed": "提前停止，已由人工关闭",
}


# a run's state (rpa.run.runs.run_state: an exit code once closed) -> its words, for the CLI's
# `runs list/show` and the console alike; `running? (HOST)` is worded by `run_state_label`
RUN_STATE_LABELS: dict[str, str] = {
    "running": "运行中",
    "interrupted": "已中断，可续跑",
    "waiting": "已入队，等待工作进程（rpa worker）办理",
    "nothing_queued": "没有待办事项（没有新入队的事项）：搁置的行处理后用 --resume 续跑",
    "0": "全部完成",
    "1": "已结束，有事项需要处理",
    "2": "被拒绝",
    "3": "提前停止，可续跑",
}


def run_state_label(state: str, *, codes_as_numbers: bool = False) -> str:
    """The words for a run's state; with `codes_as_numbers` a closed run's exit code stays the
    number (`rpa runs list`'s 退出码 column); an unknown state is shown as it is."""
    if state.startswith("running? ("):
        return f"运行中？（在 {state[len('running? ('):-1]}）"
    if codes_as_numbers and state.isdigit():
        return state
    return RUN_STATE_LABELS.get(state, state)


def fire_label(outcome: str) -> str:
    """The words for a scheduler fire's outcome; an unknown one as `未知结果（outcome）`."""
    return FIRE_LABELS.get(outcome, f"未知结果（{outcome}）")


def outcome_label(code: str) -> str:
    """The word for a row outcome; an unknown code is shown as `未知结果（code）`, never dropped."""
    return OUTCOME_LABELS.get(code, f"未知结果（{code}）")


def state_label(state: str) -> str:
    """The word for a work item state; an unknown one as `未知状态（state）`."""
    return STATE_LABELS.get(state, f"未知状态（{state}）")


# the states whose ending wrote the item's result; any other state's result is an earlier
# attempt's (a retried, released or system-failed item keeps it), so it does not say what the item is
_RESULT_STATES = frozenset({"done", "business_error", "held"})


def item_label(state: str, result: Mapping[str, Any] | None) -> str:
    """The word for one item: its row outcome when its result carries a code `OUTCOME_LABELS`
    knows (门户拒绝, 已报备, 复核退回, 人工报备, 待复核, 通过 ...), else its state's word."""
    code = (result or {}).get("status") if state in _RESULT_STATES else None
    if isinstance(code, str) and code in OUTCOME_LABELS:
        return OUTCOME_LABELS[code]
    return state_label(state)


def counts_text(counts: Mapping[str, int], awaiting: int = 0,
                ended_as: Mapping[str, int] | None = None) -> str:
    """Item counts as one Chinese line, in the vocabulary's order: `已完成 3，失败 1`. `awaiting`
    of the held items wait for a checker and are counted as 待复核, the word their rows have
    (tester AG: an approval run's terminal said 需人工处理 3 of three rows 待复核); `ended_as`: of
    the business errors, how many ended as another row word (门户拒绝, 复核退回: testers AI, AK),
    set aside when they are more than the business errors counted (counts of another moment)."""
    waiting = min(max(awaiting, 0), counts.get("held", 0))
    words = {word: n for word, n in (ended_as or {}).items() if n > 0}
    words = words if sum(words.values()) <= counts.get("business_error", 0) else {}
    shown = {**counts, "held": counts.get("held", 0) - waiting,
             "business_error": counts.get("business_error", 0) - sum(words.values())}
    known = [(state_label(s), shown[s]) for s in STATE_LABELS if shown.get(s)]
    known += [*sorted(words.items()), *([(OUTCOME_LABELS["awaiting_approval"], waiting)] if waiting else [])]
    others = [(state_label(s), n) for s, n in sorted(counts.items()) if s not in STATE_LABELS and n]
    return "，".join(f"{label} {n}" for label, n in [*known, *others]) or "没有事项"


def ended_as(results: Iterable[Mapping[str, Any] | None]) -> dict[str, int]:
    """How business errors with these results ended by their rows' word, where that is not 业务错误
    (门户拒绝 3, 复核退回 1): `counts_text`'s `ended_as`, for a run's close and for its live counts
    (tester AP: the progress bar said 业务错误 1 of the row the verdict called 门户拒绝)."""
    found = Counter(item_label("business_error", result) for result in results)
    del found[state_label("business_error")]
    return dict(found)


def ended_as_recorded(run: dict[str, Any]) -> dict[str, int]:
    """How a closed run's business errors ended by their rows' word, where that is not 业务错误
    (门户拒绝 3, 复核退回 1), as run.json records them (`rpa.run.close`): `counts_text`'s `ended_as`."""
    value = run.get("ended_as")
    found = value if isinstance(value, dict) else {}
    return {str(k): v for k, v in found.items() if isinstance(v, int) and not isinstance(v, bool)}


def awaiting_recorded(run: dict[str, Any]) -> int:
    """How many of a closed run's held items its close found waiting for a checker (待复核), as
    run.json records them (`rpa.run.close`): `counts_text`'s `awaiting`."""
    value = run.get("awaiting_approval")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def counts_as_closed(counts: Mapping[str, int], run: dict[str, Any]) -> str:
    """`counts_text` of a run's counts with the words its close recorded in run.json (待复核,
    门户拒绝, 复核退回): the terminal's verdict, the console's and the demo's closing lines."""
    return counts_text(counts, awaiting_recorded(run), ended_as_recorded(run))
