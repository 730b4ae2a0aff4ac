"""`python -m rpa` is the `rpa` command."""

from rpa.cli import app

app()
