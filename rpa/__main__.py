"""`python -m rpa` is the `rpa` command."""

from rpa.cli.main import app

app()
