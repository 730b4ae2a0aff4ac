"""Settings refused or warned about by name, and where configuration is read from (issue #18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpa._settings_checks import PROJECT_ROOT, configuration_home, unknown_rpa_names
from rpa.errors import ConfigError
from rpa.settings import load_settings


@pytest.fixture(autouse=True)
def _no_rpa_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in [n for n in os.environ if n.startswith("RPA_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_configuration_comes_from_rpa_home_then_the_working_directory_then_the_project(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert configuration_home() == PROJECT_ROOT  # an empty working directory
    (tmp_path / "schedules.yaml").write_text("jobs: []\n", encoding="utf-8")
    assert configuration_home() == tmp_path
    home = tmp_path / "branch-0101"
    home.mkdir()
    monkeypatch.setenv("RPA_HOME", str(home))
    settings = load_settings()
    assert (settings.config_dir, settings.schedules_file) == (home / "config", home / "schedules.yaml")


def test_an_rpa_home_that_is_not_a_folder_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RPA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="RPA_HOME"):
        load_settings()


def test_unknown_rpa_names_are_warned_about_with_the_closest_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("RPA_ZONE=Asia/Shanghai\nJAVA_HOME=/opt/jdk\nRPA_WORKERS=3\n")
    monkeypatch.setenv("RPA_KEY_PATH", "/tmp/key")
    warnings: list[str] = []
    settings = load_settings(warn=warnings.append)
    assert settings.workers == 3  # the .env is read; JAVA_HOME is not ours and not refused
    assert sorted(warnings) == [
        "警告：未知设置 RPA_KEY_PATH，是否想写 RPA_CLIENT_KEY_PATH？",
        "警告：未知设置 RPA_ZONE，是否想写 RPA_TIMEZONE？",
    ]


@pytest.mark.parametrize(("typed", "meant"), [
    ("RPA_FILING_REQUIRE_CHEK", "RPA_FILING_REQUIRE_CHECK"),  # a safety gate left at its default
    ("RPA_AUDIT_KEY_FIL", "RPA_AUDIT_KEY_FILE"),
    ("RPA_TIMEZON", "RPA_TIMEZONE"),
    ("RPA_WORKER", "RPA_WORKERS"),
])
def test_a_setting_misspelt_by_one_slip_is_refused_naming_the_one_meant(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, typed: str, meant: str
) -> None:
    (tmp_path / ".env").write_text(f"{typed}=true\n")
    with pytest.raises(ConfigError, match=f"{typed} 不是已知的设置，是不是 {meant}？"):
        load_settings(warn=lambda _line: None)


def test_names_read_outside_the_model_are_not_unknown() -> None:
    assert (
        unknown_rpa_names({"RPA_WORKERS"}, ["RPA_HOME", "RPA_TEST_ITEMS", "RPA_SMOKE_PASSWORD", "PATH",
                                            "RPA_ALERT_SMTP_PASSWORD"]) == []  # alerts.example.yaml's
    )


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("RPA_WORKERS", "0", "RPA_WORKERS 应不小于 1"),
        ("RPA_TIMEZONE", "Asia/Beijing", "RPA_TIMEZONE 不是已知的时区"),
        ("RPA_AMS_OPERATORS", "[{'code': 'A1'}]", "RPA_AMS_OPERATORS 不是有效的 JSON"),
        ("RPA_AMS_OPERATORS", '[{"code": "A1"}]', "RPA_AMS_OPERATORS（第1项 password） 缺少必填项"),
        ("RPA_DATABASE_URL", "mysql+nosuchdriver://x/y", "RPA_DATABASE_URL 不是可用的数据库地址"),
        ("RPA_AMS_STRATEGY", "fastest", "RPA_AMS_STRATEGY 只能是 'pipelined' 或 'plain'"),
        # a password in a portal's address would be in run.json, run.log and every error naming it
        ("RPA_AMS_URL", "http://clerk:UrlSecret77@127.0.0.1:9879", "RPA_AMS_URL 网址中不能带用户名或密码"),
        ("RPA_AMS_URL", "ftp://127.0.0.1:9871", "RPA_AMS_URL 不是有效的网址"),
        ("RPA_CHECK_URL", "127.0.0.1:8803", "RPA_CHECK_URL 不是有效的网址"),
        ("RPA_PROXY_SERVER", "not a proxy", "RPA_PROXY_SERVER 不是有效的网址"),
        ("RPA_PROXY_SERVER", "http://u:ProxySecret9@proxy:3128", "RPA_PROXY_USERNAME 和 RPA_PROXY_PASSWORD"),
        ("RPA_DATABASE_URL", "sqlite:///:memory:", "不能用内存中的 SQLite 数据库"),
        # two workers as one operator end each other's session (DOMAIN.md: one session each)
        ("RPA_AMS_OPERATORS", '[{"code": "OP0001", "password": "Pw1"}, '
                              '{"code": "OP0001", "password": "Pw2"}]', "操作员 **0001 出现了不止一次"),
        ("RPA_AUDIT_KEY", "short", "RPA_AUDIT_KEY 太短：审计密钥至少 32 个字符"),
        ("RPA_AMS_OPERATORS", '[{"code": 123, "password": "Pw1"}]', "应为文字"),
    ],
)
def test_a_bad_setting_is_refused_naming_it_never_its_value(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert said in str(refused.value)
    assert value not in str(refused.value)


def test_the_filing_strategy_is_pipelined_unless_set_to_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().ams_strategy == "pipelined"
    monkeypatch.setenv("RPA_AMS_STRATEGY", "plain")
    assert load_settings().ams_strategy == "plain"


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_the_retired_work_ahead_setting_is_refused_naming_its_successor(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    """RPA_AMS_WORK_AHEAD=false meant one page at a time: ignored, a run would work ahead."""
    if where == ".env":
        (tmp_path / ".env").write_text("RPA_AMS_WORK_AHEAD=false\n", encoding="utf-8")
    else:
        monkeypatch.setenv("RPA_AMS_WORK_AHEAD", "false")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "RPA_AMS_WORK_AHEAD 已由 RPA_AMS_STRATEGY 取代" in str(refused.value)
    assert "RPA_AMS_STRATEGY=pipelined" in str(refused.value) and "plain" in str(refused.value)


def test_an_env_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("RPA_WORKERS=2\n# 备注\n".encode("gbk"))
    with pytest.raises(ConfigError, match=r"\.env 第2行不是 UTF-8"):
        load_settings()


@pytest.mark.parametrize("name", ["RPA_RUNS_DIR", "RPA_AUDIT_KEY_FILE", "RPA_LEDGER_FILE"])
def test_a_path_setting_given_empty_is_refused_not_read_as_the_current_folder(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "")
    with pytest.raises(ConfigError, match=f"{name} 不能为空"):
        load_settings()
