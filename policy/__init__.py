"""The rules as code: dated parameters with their articles, and pure functions over plain data.

Nothing in here touches the database. Apps load state, call these functions, and save
the results in one transaction. The Django-facing parts (the override model, the
trial-settlement API view and command) live in `models.py`, `views.py` and
`management/`, and are the only files that import Django.
"""
