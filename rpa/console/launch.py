"""A run started from the console, in a process of its own (as `rpa run` is one), so it goes on
whatever happens to the page or the console:

    python -m rpa.console.launch RUN_ID '{"flow": "account-filing", "flow_params": {...}, "maker": "wang.jb"}'

The run gets the id the console chose (its folder holds the upload already), the trigger
`console:<user>` and the maker in run.json's parameters; its output goes to the run's run.log.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from rpa.settings import Settings


def start_run(settings: Settings, run_id: str, flow: str, flow_params: dict[str, Any],
              maker: str) -> subprocess.Popen[bytes]:
    """Start the run's process and return at once; its stdout and stderr go to a file in its folder."""
    spec = json.dumps({"flow": flow, "flow_params": flow_params, "maker": maker}, ensure_ascii=False)
    folder = settings.runs_dir / run_id
    with (folder / "console-launch.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "rpa.console.launch", run_id, spec],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )


def main(argv: list[str]) -> int:
    import os

    from rpa.errors import outcome_for
    from rpa.input_files import apply_input_limits
    from rpa.logs import configure_logging
    from rpa.run.orchestrate import execute_run
    from rpa.settings import load_settings

    os.umask(os.umask(0o077) | 0o077)  # owner-only, as every `rpa` process
    run_id, spec = argv[0], json.loads(argv[1])
    configure_logging(level="WARNING")
    try:
        settings = load_settings()
        apply_input_limits(settings)
        outcome = execute_run(
            settings, spec["flow"], {"flow_params": spec["flow_params"], "maker": spec["maker"]},
            trigger=f"console:{spec['maker']}", run_id=run_id,
        )
    except Exception as exc:  # the run could not start or stopped on a bug: the exit code says which
        print(f"运行 {run_id} 未能完成：{type(exc).__name__}", file=sys.stderr)
        return outcome_for(exc).exit_code
    return outcome.exit_code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
