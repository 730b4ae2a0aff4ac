"""Alerts: telling a person when something needs them, by e-mail and by an IM robot's webhook.

    kinds      the alert kinds and their one Chinese line (run id, masked accounts only)
    config     alerts.yaml (RPA_ALERTS_FILE): one section per channel
    channels   e-mail through SMTP (STARTTLS, login optional), webhook (JSON POST)
    quiet      the quiet time, kept in the queue's database so every process agrees
    send       one alert through every channel, retried (bounded); a failure is logged, not raised
    events     the engine's hooks: a run's end (stopped, refused, circuit open, rows held) and an
               operator refused at login; they never fail the run
    due        `rpa alerts check`: filings due today or overdue, next year's calendar missing
"""
