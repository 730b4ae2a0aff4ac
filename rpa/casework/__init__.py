"""异常处理 in the engine: held, refused and failed rows of runs worked by a person.

`rpa.casework.cases` lists them; `rpa.casework.actions` corrects and refiles a row, marks one
filed by hand (approved by a checker), and retries system failures; `rpa.casework.resume` resumes
a run so it files what was put back and refreshes its outputs. The console's 异常处理 page and
`rpa cases ...` call the same functions.
"""
