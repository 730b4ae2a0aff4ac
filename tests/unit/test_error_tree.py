"""The error tree, one row per exception type: what becomes of the item (its outcome word and
the state it goes to), whether the queue retries it, whether the run stops, the exit code it
leads to and whether its traceback is kept. Expected values are written out from the tree in
rpa/errors.py's docstring and README's exit codes, not computed by the code under test."""

from __future__ import annotations

import errno

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from rpa.errors import (
    BrowserMissing,
    BusinessError,
    CircuitOpen,
    ConfigError,
    DiskRefused,
    DownloadFailed,
    InputFileError,
    InvalidRecord,
    LabelNotFound,
    LoginRefused,
    NeedsPerson,
    PortalChanged,
    PortalRefusal,
    PortalTimeout,
    PortalUnavailable,
    RpaError,
    RunFatalError,
    ScannedPdf,
    SelectorNotFound,
    SessionLost,
    UsageError,
    exit_for_stop,
    outcome_for,
)
from rpa.outcomes import outcome_label
from rpa.queue.work_queue import LeaseLost, SubmittedElsewhere

# exception -> (outcome word, item state, retried, run stops, exit code, traceback kept)
TREE: list[tuple[BaseException, str, str, bool, bool, int, bool]] = [
    (InvalidRecord("第 5 行：账号校验位不符"), "无效，未报备", "business_error", False, False, 1, False),
    (PortalRefusal("该账户已备案"), "门户拒绝", "business_error", False, False, 1, False),
    (BusinessError("不在营业范围"), "业务错误", "business_error", False, False, 1, False),
    (ScannedPdf("扫描件"), "业务错误", "business_error", False, False, 1, False),
    (LabelNotFound("找不到 存款余额"), "业务错误", "business_error", False, False, 1, False),
    (NeedsPerson("信息核对页不同"), "需人工处理", "held", False, False, 1, False),
    (PortalUnavailable("500"), "失败", "pending", True, False, 1, False),
    (PortalTimeout("页面超时"), "失败", "pending", True, False, 1, False),
    (SessionLost("用户登录信息失效"), "失败", "pending", True, False, 1, False),
    (DownloadFailed("文件不完整"), "失败", "pending", True, False, 1, False),
    (SelectorNotFound("找不到按钮"), "失败", "pending", True, False, 1, False),
    (SubmittedElsewhere("同一账户正由运行 X 报备"), "失败", "pending", True, False, 1, False),
    (PlaywrightTimeoutError("Timeout 30000ms exceeded"), "失败", "pending", True, False, 1, False),
    (PlaywrightError("Target page, context or browser has been closed"), "失败", "pending", True, False,
     1, False),
    (LoginRefused("密码错误"), "未完成", "pending", False, True, 3, False),
    (PortalChanged("页面改版"), "未完成", "pending", False, True, 3, False),
    (CircuitOpen("连续系统错误"), "未完成", "pending", False, True, 3, False),
    (BrowserMissing("没有 Chromium"), "未完成", "pending", False, True, 3, False),
    (DiskRefused("磁盘已满"), "未完成", "pending", False, True, 3, False),
    (RunFatalError("服务时间已过", code="service_window_closed"), "未完成", "pending", False, True, 3, False),
    (OSError(errno.ENOSPC, "No space left on device"), "未完成", "pending", False, True, 3, False),
    (PermissionError(errno.EACCES, "Permission denied"), "未完成", "pending", False, True, 3, False),
    (ConfigError("selectors/ams.yaml: not valid YAML"), "未完成", "pending", False, True, 2, False),
    (InputFileError("文件打不开"), "未完成", "pending", False, True, 2, False),
    (UsageError("缺少 --input"), "未完成", "pending", False, True, 2, False),
    # bugs: anything outside the tree, and an RpaError raised without a branch
    (KeyError("account_no"), "失败", "failed", False, False, 1, True),
    (ValueError("cannot parse"), "失败", "failed", False, False, 1, True),
    (AttributeError("'NoneType' object has no attribute 'text'"), "失败", "failed", False, False, 1, True),
    (ZeroDivisionError("division by zero"), "失败", "failed", False, False, 1, True),
    (OSError(errno.EISDIR, "Is a directory"), "失败", "failed", False, False, 1, True),
    (RpaError("raised from the base class"), "失败", "failed", False, False, 1, True),
]


@pytest.mark.parametrize(
    ("exc", "word", "state", "retry", "run_fatal", "exit_code", "traceback"),
    TREE,
    ids=[f"{type(row[0]).__name__}-{n}" for n, row in enumerate(TREE)],
)
def test_each_exception_type_has_one_disposition(
    exc: BaseException, word: str, state: str, retry: bool, run_fatal: bool, exit_code: int, traceback: bool
) -> None:
    disposition = outcome_for(exc)
    assert outcome_label(disposition.outcome) == word
    assert disposition.state == state
    assert disposition.retry is retry
    assert disposition.run_fatal is run_fatal
    assert disposition.exit_code == exit_code
    assert disposition.keep_traceback is traceback
    assert not disposition.dropped


def test_a_lost_lease_drops_the_item_without_writing_to_it() -> None:
    disposition = outcome_for(LeaseLost("work item 7: the lease is gone", code="lease_lost_before_submit"))
    assert disposition.dropped and not disposition.retry and not disposition.run_fatal
    assert disposition.code == "lease_lost_before_submit"


def test_codes_are_the_exceptions_own_and_bugs_are_named_by_type() -> None:
    assert outcome_for(PortalRefusal("x", code="account_exists")).code == "account_exists"
    assert outcome_for(KeyError("x")).code == "unexpected_KeyError"
    assert outcome_for(PlaywrightTimeoutError("t")).code == "browser_TimeoutError"


@pytest.mark.parametrize(
    ("exc", "exit_code"),
    [
        (ConfigError("bad yaml"), 2),
        (InputFileError("unreadable"), 2),
        (LoginRefused("locked", code="operator_locked"), 3),
        (RunFatalError("closed", code="service_window_closed"), 3),
        (KeyError("bug"), 3),  # a bug that stops the run (in a worker's setup) is resumable
    ],
)
def test_the_stop_code_a_worker_writes_gives_the_runs_exit_code(exc: BaseException, exit_code: int) -> None:
    assert exit_for_stop(outcome_for(exc).stop_code()) == exit_code


def test_a_stop_without_code_or_with_an_old_code_is_a_stop() -> None:
    assert exit_for_stop(None) == 3
    assert exit_for_stop("circuit_open") == 3
    assert exit_for_stop("usage:config_invalid") == 2
