"""Page objects of the central bank's 企业信息联网核查系统 (enterprise registration check)."""

from bots.enterprise_check.pages import LoginPage, QueryPage, Registration, ResultPage

__all__ = ["LoginPage", "QueryPage", "Registration", "ResultPage"]
