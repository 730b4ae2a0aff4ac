"""The operations console (`rpa console`): a FastAPI + Jinja2 app on uvicorn for clerks, checkers,
auditors and admins; needs the [console] extra. Imported only by its command, never at start-up."""
