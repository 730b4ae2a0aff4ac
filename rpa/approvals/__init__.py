"""Maker-checker (双人复核) in the engine: rows of a run set for approval wait for a checker.

`rpa.approvals.decisions` lists what waits, approves and rejects; `rpa.approvals.words` holds the
codes and payload fields the filing flow and the decisions share.
"""
