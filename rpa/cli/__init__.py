"""The `rpa` command (Typer): thin, parses arguments and calls the flows and the engine."""
