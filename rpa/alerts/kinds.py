"""What an alert is: its kind, its subject, and the one Chinese line a person needs.

    alert = run_stopped("account-filing-20261203-0100-ab12", "account-filing", "连续多次系统错误")
    alert.text()    # '【RPA告警】运行提前停止 …'

Two alerts are "the same" (`rpa.alerts.quiet`) when kind and subject match: the subject is the
run id, the operator, the day or the year the alert is about. An alert that lists filings also
carries `names` (their queue items): it is the same only when every filing it names was told.
Every line is built from values the engine has already masked or scrubbed (stop reasons, masked
account numbers); `text()` scrubs once more, as a last line of defence. `parts(max_bytes)` is the
same text cut at line ends into messages of at most `max_bytes` of UTF-8, each titled with its
number (an IM robot's text message has a size limit): every line goes out, none is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rpa.masking import scrub_text


class AlertKind(StrEnum):
    RUN_FAILED = "run_failed"  # the run was refused (exit 2): nothing was done
    RUN_STOPPED = "run_stopped"  # the run stopped early (exit 3): the rest stays pending
    ROWS_HELD = "rows_held"
    ROWS_INVALID = "rows_invalid"  # input rows invalid: not filed
    RECONCILIATION_FOUND = "reconciled_found"  # overdue, missing from AMS, differing, rows unread
    ITEMS_FAILED = "items_failed"  # items a run ended as failed (retries used up, or a bug)
    ITEMS_REFUSED = "items_refused"  # items the portal refused, or business errors: never retried
    CIRCUIT_OPEN = "circuit_open"
    OPERATOR_REFUSED = "operator_refused"
    FILINGS_DUE = "filings_due"
    FILINGS_OVERDUE = "filings_overdue"
    CALENDAR_MISSING = "calendar_missing"
    FIRE_NEEDS_ATTENTION = "fire_attention"  # a scheduled fire stopped, failed to start or was missed
    SCHEDULER_SILENT = "scheduler_silent"  # `rpa schedule check`: no daemon heartbeat in time
    TEST = "test"


TITLES = {
    AlertKind.RUN_FAILED: "运行未能完成",
    AlertKind.RUN_STOPPED: "运行提前停止",
    AlertKind.ROWS_HELD: "有事项需人工处理",
    AlertKind.ROWS_INVALID: "有输入行无效，未报备",
    AlertKind.RECONCILIATION_FOUND: "核对发现需要处理的备案",
    AlertKind.ITEMS_FAILED: "有事项失败",
    AlertKind.ITEMS_REFUSED: "有事项被门户拒绝或业务错误，未办成",
    AlertKind.CIRCUIT_OPEN: "连续系统错误，熔断已触发",
    AlertKind.OPERATOR_REFUSED: "操作员登录被拒绝",
    AlertKind.FILINGS_DUE: "今日到期的备案尚未完成",
    AlertKind.FILINGS_OVERDUE: "有备案已超期",
    AlertKind.CALENDAR_MISSING: "缺少明年的工作日历",
    AlertKind.FIRE_NEEDS_ATTENTION: "定时任务需要处理",
    AlertKind.SCHEDULER_SILENT: "调度守护进程没有心跳",
    AlertKind.TEST: "测试告警",
}


@dataclass(frozen=True)
class Alert:
    """One alert: `line` is what a person reads and does; `run_id` is named when there is one."""

    kind: AlertKind
    subject: str
    line: str
    run_id: str | None = None
    names: tuple[str, ...] = ()  # what it lists (queue items): each told once per quiet time

    def quiet_subjects(self) -> list[str]:
        """What the quiet time is kept for: the subject, or the subject with each thing named."""
        return [f"{self.subject}:{name}" for name in self.names] if self.names else [self.subject]

    @property
    def title(self) -> str:
        return f"【RPA告警】{TITLES[self.kind]}"

    def text(self) -> str:
        """The whole message (e-mail body, robot text), scrubbed of anything unmasked."""
        run = f"运行编号：{self.run_id}\n" if self.run_id else ""
        return scrub_text(f"{self.title}\n{run}{self.line}")

    def parts(self, max_bytes: int) -> list[str]:
        """`text()` whole when it fits in `max_bytes` (UTF-8), else cut at line ends into parts
        that each fit, titled `（第 i/n 条）` and naming the run; a line too long on its own is cut."""
        whole = self.text()
        if len(whole.encode()) <= max_bytes:
            return [whole]
        run = f"运行编号：{self.run_id}\n" if self.run_id else ""
        head = scrub_text(f"{self.title}（第 999/999 条）\n{run}")  # the longest a part's head gets
        room = max_bytes - len(head.encode())
        lines = [piece for line in whole.split("\n")[2 if run else 1:] for piece in _cut(line, room)]
        bodies: list[str] = []
        for line in lines:
            if bodies and len(f"{bodies[-1]}\n{line}".encode()) <= room:
                bodies[-1] = f"{bodies[-1]}\n{line}"
            else:
                bodies.append(line)
        count = len(bodies)
        return [scrub_text(f"{self.title}（第 {n}/{count} 条）\n{run}") + body
                for n, body in enumerate(bodies, start=1)]


def _cut(line: str, room: int) -> list[str]:
    """`line` in pieces of at most `room` bytes of UTF-8, cut between characters."""
    pieces = [""]
    for char in line:
        if pieces[-1] and len((pieces[-1] + char).encode()) > room:
            pieces.append("")
        pieces[-1] += char
    return pieces


def run_failed(run_id: str, flow: str, reason: str | None) -> Alert:
    why = reason or "配置或输入有误"
    return Alert(AlertKind.RUN_FAILED, run_id, f"流程 {flow} 的运行未开始：{why}。请改正后重新运行", run_id)


def _take_up(flow: str, run_id: str) -> str:
    """What to type after a stop, as the terminal's verdict says it (`rpa.cli.common.stopped_advice`):
    the unworked items by `--resume`, the failed ones by `rpa cases retry`; never `rpa runs retry`
    without `--items`, which puts rows held for a person back too (tester AS of 2026-12-07 read
    the terminal and the stop's reason contradict each other)."""
    return (f"用 `rpa run {flow} --resume {run_id}` 续办未办的事项，"
            f"已失败的事项用 `rpa cases retry {run_id}` 重试")


def run_stopped(run_id: str, flow: str, reason: str | None) -> Alert:
    why = reason or "原因见 run.log"
    return Alert(
        AlertKind.RUN_STOPPED, run_id,
        f"流程 {flow} 的运行提前停止：{why}。处理后{_take_up(flow, run_id)}", run_id,
    )


def rows_held(run_id: str, flow: str, held: int, set_aside: int = 0) -> Alert:
    """`held` in all; `set_aside` of them input rows put aside while validating (no queue item)."""
    aside = f"（其中 {set_aside} 行在校验输入时即留给人工，未报备）" if set_aside else ""
    return Alert(
        AlertKind.ROWS_HELD, run_id,
        f"流程 {flow} 的运行结束时有 {held} 个事项需人工处理{aside}：请查看该运行的 report.html 和结果文件",
        run_id,
    )


def rows_invalid(run_id: str, flow: str, invalid: int) -> Alert:
    return Alert(
        AlertKind.ROWS_INVALID, run_id,
        f"流程 {flow} 的运行有 {invalid} 行输入无效，未报备：这些备案没有做。请查看该运行结果文件中"
        "“无效，未报备”的行及原因，改正导出文件后重新运行（已到期的请尽快补报）",
        run_id,
    )


def reconciliation_found(run_id: str, told: tuple[str, ...], classes: dict[str, int]) -> Alert:
    each = "，".join(f"{name} {count}" for name, count in classes.items())
    return Alert(
        AlertKind.RECONCILIATION_FOUND, run_id,
        f"与 AMS 的核对发现：{'；'.join(told)}（各类笔数：{each}）。"
        "请查看该运行的 reconciliation.xlsx 并处理",
        run_id,
    )


def circuit_open(run_id: str, flow: str, reason: str) -> Alert:
    return Alert(
        AlertKind.CIRCUIT_OPEN, run_id,
        f"流程 {flow} 的运行因熔断停止（{reason}）：请检查门户是否可用，恢复后{_take_up(flow, run_id)}",
        run_id,
    )


def operator_refused(portal_name: str, masked_operator: str, portal_words: str, run_id: str | None) -> Alert:
    return Alert(
        AlertKind.OPERATOR_REFUSED, f"{portal_name}:{masked_operator}",
        f"{portal_name} 拒绝了操作员 {masked_operator} 的登录（{portal_words}），该操作员不再尝试："
        f"请核实密码或解锁后执行 `rpa operators clear 操作员代码`",
        run_id,
    )


def fire_needs_attention(job_id: str, fire_id: int, planned: str, reason: str, run_id: str | None,
                         *, stopped: bool, subject: str | None = None) -> Alert:
    """`stopped`: the fire's run stopped early, so the fire is listed and may be closed; any other
    (failed to start, missed) is not listed and has nothing to close: run the job again.
    `subject` (default: the fire) says which alerts are the same for the quiet time."""
    resumes = (f"原因解除后调度会自动续跑这次（如用 `rpa operators clear` 解除被拒的操作员后）；也可用 "
               f"`rpa schedule trigger {job_id}` 立即续跑，或 `rpa schedule close {fire_id}` 关闭")
    what_works = resumes if stopped else f"排除原因后可用 `rpa schedule trigger {job_id}` 立即再运行一次"
    return Alert(
        AlertKind.FIRE_NEEDS_ATTENTION, subject or f"fire:{fire_id}",
        f"定时任务 {job_id} 计划于 {planned} 的这次（编号 {fire_id}）需要处理：{reason}。{what_works}",
        run_id,
    )


def scheduler_silent(found: str, todo: str) -> Alert:
    """What `rpa schedule check` found (never written / silent since when) and what to do; the
    title already names the daemon, so the line does not say it again."""
    return Alert(AlertKind.SCHEDULER_SILENT, "scheduler", f"{found}：{todo}。恢复之前定时任务都不会触发")


def items_failed(run_id: str, flow: str, failed: int) -> Alert:
    return Alert(
        AlertKind.ITEMS_FAILED, run_id,
        f"流程 {flow} 的运行结束时有 {failed} 个事项失败（系统错误重试用尽或程序错误）：请查看该运行的"
        f" report.html 和 run.log，排除原因后用 `rpa cases retry {run_id}` 重试（只放回失败的事项）",
        run_id,
    )


def items_refused(run_id: str, flow: str, by_word: dict[str, int]) -> Alert:
    """Items ended as business errors, counted by their one word (门户拒绝, 业务错误)."""
    each = "，".join(f"{word} {count}" for word, count in by_word.items())
    return Alert(
        AlertKind.ITEMS_REFUSED, run_id,
        f"流程 {flow} 的运行结束时有 {sum(by_word.values())} 个事项未办成（{each}）：重试不会改变结果，"
        "这些事项没有做。请查看该运行的结果文件中各行的门户原话和原因；报备的行更正后可在控制台"
        "“异常处理”或用 `rpa cases correct` 重新报备",
        run_id,
    )
