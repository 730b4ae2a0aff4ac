"""`python -m rpa` is the `rpa` command."""

from rpa.cli.entry import main

main()
