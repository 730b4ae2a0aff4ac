"""The console's roles and what each may do (the pages check these, never the role names).

    经办 operator   uploads inputs, starts runs, triggers schedules, clears operator refusals,
                   works exceptions (corrects and refiles, marks filed by hand, retries)
    复核 checker    approves or rejects filings prepared by someone else, and by-hand marks
                   (reads everything)
    审计 auditor    reads runs, reports and verification results; starts nothing
    管理员 admin    users, pausing and resuming schedules, what an operator may do, and approving
                  or rejecting another maker's filings as a checker does

Nobody decides on a run they started (the engine refuses it: rpa.approvals.decisions).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    CHECKER = "checker"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {Role.OPERATOR: "经办", Role.CHECKER: "复核", Role.AUDITOR: "审计", Role.ADMIN: "管理员"}


class Action(StrEnum):
    START_RUN = "start_run"
    TRIGGER_JOB = "trigger_job"
    PAUSE_JOB = "pause_job"
    CLEAR_REFUSAL = "clear_refusal"
    DECIDE_APPROVAL = "decide_approval"
    WORK_CASES = "work_cases"  # 异常处理: correct and refile, mark filed by hand, retry failures
    APPROVE_BY_HAND = "approve_by_hand"  # 异常处理: a checker's approval of a by-hand mark


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.START_RUN: frozenset({Role.OPERATOR, Role.ADMIN}),
    Action.TRIGGER_JOB: frozenset({Role.OPERATOR, Role.ADMIN}),
    Action.PAUSE_JOB: frozenset({Role.ADMIN}),
    Action.CLEAR_REFUSAL: frozenset({Role.OPERATOR, Role.ADMIN}),
    Action.DECIDE_APPROVAL: frozenset({Role.CHECKER, Role.ADMIN}),
    Action.WORK_CASES: frozenset({Role.OPERATOR, Role.ADMIN}),
    Action.APPROVE_BY_HAND: frozenset({Role.CHECKER, Role.ADMIN}),
}


def may(role: Role, action: Action) -> bool:
    return role in ALLOWED[action]


def parse_role(text: str) -> Role:
    """A role by its English or Chinese name; ValueError naming the choices."""
    wanted = text.strip().lower()
    for role in Role:
        if wanted in (role.value, role.label):
            return role
    choices = "、".join(f"{role.value}（{role.label}）" for role in Role)
    raise ValueError(f"角色 {text!r} 不存在：请用 {choices} 之一")
