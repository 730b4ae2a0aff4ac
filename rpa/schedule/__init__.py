"""Unattended runs: schedules.yaml timed by APScheduler 3, the fire table, drop folders."""
