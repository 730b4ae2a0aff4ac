"""企业信息联网核查: check every 开户/变更 row of a filing export against the central bank's
enterprise registration check system before it is filed (see flow.py)."""
