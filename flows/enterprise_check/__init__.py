"""企业信息联网核查: check each 开户/变更 row of an export in the central bank's system (flow.py)."""
